package pipeline

import (
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Log field names, the same in both formats: every line has time, level,
// msg and, for a component, worker; the rest are the fixed snake_case keys
// (feed, article_id, subject, stream_seq, sink, ...).
const (
	LogTime    = "time"
	LogLevel   = "level"
	LogMessage = "msg"
	LogLogger  = "logger"
	LogStack   = "stacktrace"
)

// Log formats.
const (
	LogJSON    = "json"
	LogConsole = "console"
)

// NewLogger writes to w at level (debug, info, warn, error; "" is info) in
// format: json (one object a line) or console (aligned text); "" picks
// console when w is a terminal and json otherwise.
func NewLogger(w io.Writer, format, level string) (*zap.Logger, error) {
	lvl := zapcore.InfoLevel
	if level != "" {
		var err error
		if lvl, err = zapcore.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("log level %q: must be debug, info, warn or error", level)
		}
	}
	if format == "" {
		format = LogJSON
		if IsTerminal(w) {
			format = LogConsole
		}
	}
	enc := zapcore.EncoderConfig{
		TimeKey: LogTime, LevelKey: LogLevel, NameKey: LogLogger, MessageKey: LogMessage, StacktraceKey: LogStack,
		LineEnding: zapcore.DefaultLineEnding, EncodeTime: zapcore.ISO8601TimeEncoder,
		EncodeDuration: zapcore.StringDurationEncoder, EncodeName: zapcore.FullNameEncoder,
	}
	var encoder zapcore.Encoder
	switch format {
	case LogJSON:
		enc.EncodeLevel = zapcore.LowercaseLevelEncoder
		encoder = zapcore.NewJSONEncoder(enc)
	case LogConsole:
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	default:
		return nil, fmt.Errorf("log format %q: must be json or console", format)
	}
	return zap.New(zapcore.NewCore(encoder, zapcore.AddSync(w), lvl)), nil
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
