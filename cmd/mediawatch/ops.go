package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
)

// cmdVersion prints the module version and the VCS revision the binary
// was built from, as the Go build info records them.
func cmdVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: mediawatch version\n\nPrints the module version, VCS revision and time, the Go version of this\nbinary, and the CPU profile it was optimised with (make build and the images\nuse cmd/mediawatch/mediawatch.pgo; go run and go install do not).\n")
	}
	if err := parseNone(fs, args, stdout, stderr); err != nil {
		return helpOK(err)
	}
	fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
	return nil
}

func versionLine(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "mediawatch (no build information)"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	parts := []string{"mediawatch " + version}
	if rev := settings["vcs.revision"]; rev != "" {
		if settings["vcs.modified"] == "true" {
			rev += "-dirty"
		}
		parts = append(parts, "revision "+rev)
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, "built from a commit of "+t)
	}
	parts = append(parts, bi.GoVersion)
	if p := settings["-pgo"]; p != "" {
		parts = append(parts, "profile-guided by "+filepath.Base(p))
	}
	return strings.Join(parts, ", ")
}

// cmdHealthcheck asks a running process's /readyz and exits 0 when it
// answers 200: a health check for images with no shell and no curl.
func cmdHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "", "the readiness URL (default: http://<http.listen>/readyz of the config, 0.0.0.0 asked as 127.0.0.1)")
	cfgPath := fs.String("config", "", "config file whose http.listen to ask (default: MEDIAWATCH_CONFIG, else config/mediawatch.yaml if present)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: mediawatch healthcheck [--url U] [--timeout D] [--config F]\n\nExits 0 when /readyz answers 200 (the process is connected and its stages run), 1 otherwise.\nFor container health checks in images without a shell.\n\n")
		fs.PrintDefaults()
	}
	if err := parseNone(fs, args, stdout, stderr); err != nil {
		return helpOK(err)
	}
	if *url == "" {
		cfg, err := config.Find(*cfgPath, getenv)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return errSilent
		}
		*url = pipeline.ReadyURL(cfg.HTTP.Listen)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	answer, err := pipeline.CheckReady(ctx, *url)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s\n", *url, answer)
	return nil
}

// configName is how messages name the config: its file, or that there is
// none.
func configName(cfg *config.Config) string {
	if cfg.Path == "" {
		return "the built-in defaults (no config file)"
	}
	return cfg.Path
}
