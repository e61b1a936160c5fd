package config

import (
	"context"
	"crypto/sha256"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Watch reloads the config file at path on SIGHUP, or when the file has
// changed and then stayed the same for interval, and hands each
// configuration that loads to apply. A file being written is not read
// half-way: a read during which the file changed is dropped, and the file is
// read again once it has settled. A file with problems is refused with every
// problem logged: apply is not called and the running configuration stays.
// Watch returns when ctx ends; with no file to watch (built-in defaults) it
// returns at once.
func Watch(ctx context.Context, path string, env func(string) string, interval time.Duration, apply func(*Config), log *zap.Logger) {
	if _, err := os.Stat(path); err != nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	last := stampOf(path)
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
			if now := stampOf(path); now != last {
				last, changed = now, true
				continue
			}
			if !changed {
				continue
			}
			changed = false
			log.Info("config file changed: reloading", zap.String("config", path))
		}
		// The file may be rewritten while it is read: a read that raced a
		// write (truncated, or half of the new version) is dropped, and the
		// file is read again once it has settled.
		cfg, raced, err := loadChecked(path, env)
		if raced {
			last, changed = stampOf(path), true
			log.Info("config file changed while it was read: reloading once it settles", zap.String("config", path))
			continue
		}
		if err != nil {
			log.Error("config reload refused; keeping the running configuration", zap.Error(err))
			continue
		}
		apply(cfg)
	}
}

// stamp tells one version of the config file from another: its
// modification time (so that touching the file reloads it) and size, and a
// hash of its bytes, since a rewrite of the same size within one tick of a
// coarse clock (some filesystems keep whole seconds), or one that sets the
// old time back, keeps the other two.
type stamp struct {
	mod  int64 // UnixNano of the modification time
	size int64 // -1: the file could not be read
	sum  [sha256.Size]byte
}

// stampOf is the stamp of the file at path as it is now.
func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{size: -1}
	}
	st := stamp{mod: fi.ModTime().UnixNano(), size: fi.Size()}
	if b, err := os.ReadFile(path); err == nil {
		st.sum = sha256.Sum256(b)
	}
	return st
}

// A start-up read that raced a write is read again, up to settleTries
// times, settleWait apart.
const (
	settleTries = 5
	settleWait  = 100 * time.Millisecond
)

// loadChecked is Load, and whether the file changed while it was read (a
// read that raced a write: truncated, or half of the new version).
func loadChecked(path string, env func(string) string) (cfg *Config, raced bool, err error) {
	before := stampOf(path)
	cfg, err = Load(path, env)
	return cfg, stampOf(path) != before, err
}

// loadSettled is Load, read again when the file changed while it was read
// (an editor saving it as the process starts), as Watch does.
func loadSettled(path string, env func(string) string) (*Config, error) {
	for try := 1; ; try++ {
		cfg, raced, err := loadChecked(path, env)
		if !raced || try == settleTries {
			return cfg, err
		}
		time.Sleep(settleWait)
	}
}
