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
)

func main() {
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
		return 1
	}
}
