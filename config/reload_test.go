package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

// recorder remembers the configurations it was given.
type recorder struct {
	mu   sync.Mutex
	cfgs []*Config
}

func (r *recorder) apply(cfg *Config) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfgs = append(r.cfgs, cfg)
}

func (r *recorder) last() (*Config, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cfgs) == 0 {
		return nil, 0
	}
	return r.cfgs[len(r.cfgs)-1], len(r.cfgs)
}

// watch runs Watch on path, polling every 10 ms, until stop (or the test's
// end); rec records what it applies.
func watch(t *testing.T, path string) (rec *recorder, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	rec = &recorder{}
	done := make(chan struct{})
	go func() {
		Watch(ctx, path, func(string) string { return "" }, 10*time.Millisecond, rec.apply, zaptest.NewLogger(t))
		close(done)
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return rec, stop
}

// editUntilApplied edits the file, round 1, 2, ..., until the watcher,
// which starts concurrently, has applied a version.
func editUntilApplied(t *testing.T, rec *recorder, edit func(round int), msg string) {
	t.Helper()
	round := 0
	require.Eventually(t, func() bool {
		if c, _ := rec.last(); c != nil {
			return true
		}
		round++
		edit(round)
		return false
	}, 5*time.Second, 30*time.Millisecond, msg)
}

func TestWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o644)) }
	write("rules:\n  - {id: a, query: 'x'}\n")

	rec, stop := watch(t, path)

	// A change to the file is picked up (written until the watcher, which
	// starts concurrently, has seen a version before it).
	round := 0
	require.Eventually(t, func() bool {
		round++
		write(fmt.Sprintf("# round %d\nrules:\n  - {id: a, query: 'x'}\n  - {id: b, query: 'y'}\n", round))
		c, _ := rec.last()
		return c != nil && len(c.Rules) == 2
	}, 5*time.Second, 20*time.Millisecond)

	// A broken file is refused: nothing of it reaches the workers.
	write("rules:\n  - {id: 'Bad Id', query: '('}\n")
	time.Sleep(100 * time.Millisecond) // ten polling rounds: a negative can only be waited out
	c, _ := rec.last()
	require.Len(t, c.Rules, 2)
	assert.Equal(t, "b", c.Rules[1].ID)

	// SIGHUP reloads (the file is fixed again meanwhile).
	write("rules:\n  - {id: c, query: 'z'}\n")
	require.Eventually(t, func() bool { c, _ := rec.last(); return len(c.Rules) == 1 && c.Rules[0].ID == "c" }, 5*time.Second, 10*time.Millisecond)
	_, n3 := rec.last()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { _, n := rec.last(); return n > n3 }, 5*time.Second, 10*time.Millisecond)

	stop()
}

// A rewrite that keeps the file's size and modification time (within one
// tick of a filesystem that keeps whole seconds, or a tool that sets the old
// time back) is a change all the same: the watcher tells by the content.
func TestWatchSameSizeAndTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	then := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Each version is written beside the file and renamed over it, so
	// that the file never has another size or time, even for a moment.
	write := func(round int) {
		tmp := path + ".new"
		require.NoError(t, os.WriteFile(tmp, fmt.Appendf(nil, "rules:\n  - {id: a, query: 'q%03d'}\n", round), 0o644))
		require.NoError(t, os.Chtimes(tmp, then, then))
		require.NoError(t, os.Rename(tmp, path))
	}
	write(0)
	size := func() int64 { fi, err := os.Stat(path); require.NoError(t, err); return fi.Size() }
	before := size()

	rec, stop := watch(t, path)
	// Each version has the size and time of the first.
	editUntilApplied(t, rec, write, "a rewrite of the same size and time was never reloaded")
	stop()
	c, _ := rec.last()
	require.Len(t, c.Rules, 1)
	assert.Regexp(t, `^q0*[1-9][0-9]*$`, c.Rules[0].Query, "a rewritten version, not the first")
	assert.Equal(t, before, size())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.True(t, fi.ModTime().Equal(then))
}

// A reload that reads the file while an editor rewrites it (truncated, then
// the new version) must not apply what it read: an empty read would drop
// every rule. The read is dropped and the file read again once it settles.
func TestWatchReadRacingAWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o644)) }
	write("rules:\n  - {id: a, query: 'x'}\n")

	var race atomic.Bool
	readConfig = func(name string) ([]byte, error) {
		data, err := os.ReadFile(name)
		if race.CompareAndSwap(true, false) {
			// The writer truncated the file just before this read and
			// writes its new version just after.
			data = nil
			write("rules:\n  - {id: a, query: 'x'}\n  - {id: b, query: 'y'}\n  - {id: c, query: 'z'}\n")
		}
		return data, err
	}
	t.Cleanup(func() { readConfig = os.ReadFile })

	rec, stop := watch(t, path)
	editUntilApplied(t, rec, func(round int) { write(fmt.Sprintf("# round %d\nrules:\n  - {id: a, query: 'x'}\n", round)) }, "no edit was applied")
	// The next read races a write.
	race.Store(true)
	write("rules:\n  - {id: a, query: 'x'}\n  - {id: b, query: 'y'}\n")
	require.Eventually(t, func() bool { c, _ := rec.last(); return len(c.Rules) == 3 }, 5*time.Second, 10*time.Millisecond)
	assert.False(t, race.Load(), "the racing read happened")
	stop()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, c := range rec.cfgs {
		assert.NotEmpty(t, c.Rules, "configuration %d applied has no rules: a read that raced a write was applied", i)
	}
}

// Find, as a process starts, does not take a read that raced a write of
// the file: it reads the file again once it has settled.
func TestFindReadRacingAWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o644)) }
	write("rules:\n  - {id: a, query: 'x'}\n")
	reads := 0
	readConfig = func(name string) ([]byte, error) {
		data, err := os.ReadFile(name)
		if reads++; reads == 1 {
			// Truncated just before this read, the new version written
			// just after.
			data = nil
			write("rules:\n  - {id: a, query: 'x'}\n  - {id: b, query: 'y'}\n")
		}
		return data, err
	}
	t.Cleanup(func() { readConfig = os.ReadFile })

	cfg, err := Find(path, func(string) string { return "" })
	require.NoError(t, err)
	assert.Len(t, cfg.Rules, 2, "the version written, not the empty read")
	assert.Equal(t, 2, reads)
}
