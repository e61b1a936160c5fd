package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
)

// reloader is a worker that can take a new configuration without a
// restart: the tagger (entities), the alerter (rules), the poller (sources).
type reloader interface {
	Reload(cfg *config.Config) error
}

// watchConfig reloads the config file on SIGHUP or when the file has
// changed and then stayed the same for an interval, and hands it to every
// reloader. A file with
// problems is refused with every problem logged, and the running
// configuration stays. extra sources (the demo's) are kept across reloads.
func watchConfig(ctx context.Context, path string, getenv env, ws []reloader, extra []config.Source, interval time.Duration, log *zap.Logger) {
	if _, err := os.Stat(path); err != nil || len(ws) == 0 {
		return // built-in defaults: no file to reload
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	stamp := func() (time.Time, int64) {
		fi, err := os.Stat(path)
		if err != nil {
			return time.Time{}, -1
		}
		return fi.ModTime(), fi.Size()
	}
	lastMod, lastSize := stamp()
	changed := false
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			log.Info("SIGHUP: reloading config", zap.String("config", path))
		case <-tick.C:
			mod, size := stamp()
			if !mod.Equal(lastMod) || size != lastSize {
				// Changed: wait until it stays the same for a whole
				// interval, so a file being written is not read half-way.
				lastMod, lastSize, changed = mod, size, true
				continue
			}
			if !changed {
				continue
			}
			changed = false
			log.Info("config file changed: reloading", zap.String("config", path))
		}
		cfg, err := config.Load(path, getenv)
		if err != nil {
			log.Error("config reload refused; keeping the running configuration", zap.Error(err))
			continue
		}
		cfg.Sources = append(cfg.Sources, extra...)
		for _, w := range ws {
			if err := w.Reload(cfg); err != nil {
				log.Error("config reload failed; that stage keeps its configuration", zap.Error(err))
			}
		}
	}
}
