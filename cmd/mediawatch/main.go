// Command mediawatch is a streaming media monitor: it polls news feeds,
// drops duplicates, tags the entities articles mention in many languages,
// evaluates alert rules and publishes alerts, every stage talking through
// NATS JetStream.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	// SIGHUP reloads the config file (config.Watch): with no file, or before
	// the watcher starts, it must not end the process as it would by default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// errUsage marks a command line that could not be understood (exit 2).
var errUsage = errors.New("usage")

// errSilent is a failure already reported to the user (exit 1).
var errSilent = errors.New("failed")

func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errSilent):
		return 1
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "mediawatch:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "mediawatch:", err)
		if hint := hint(err); hint != "" {
			fmt.Fprintln(stderr, "mediawatch:", hint)
		}
		return 1
	}
}

// hint says what the NATS errors a command meets on a server it did not
// expect most often mean.
func hint(err error) string {
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound):
		return "no pipeline has run on this server yet: start mediawatch run or a worker once (they create the streams), or check --nats"
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount), errors.Is(err, nats.ErrNoResponders):
		return "the server answers without JetStream: start nats-server with -js (or enable JetStream for the account)"
	}
	return ""
}
