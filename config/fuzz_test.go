package config

import (
	"errors"
	"os"
	"testing"
	"time"
)

// FuzzParse: any bytes give a config or an error, never a panic; a refused
// config says where.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("mediawatch.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("sources:\n  - {id: a, url: 'https://e.org/f', interval: 5m}\nrules:\n  - {id: r, query: 'entity:x AND ('}\n"))
	f.Add([]byte("nats: {replicas: -1}\npoller: {max_body_size: 1GiB}\n"))
	f.Add([]byte("entities:\n  - {id: x, country: VE, names: {de: [Karibik*], any: ['']}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			cfg *Config
			err error
		}
		done := make(chan result, 1)
		go func() {
			cfg, err := Parse("fuzz.yaml", data, func(string) string { return "" })
			done <- result{cfg, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("parsing %d bytes took over 2s: %q", len(data), data)
		}
		cfg, err := r.cfg, r.err
		if err == nil {
			if cfg == nil {
				t.Fatal("no config and no error")
			}
			return
		}
		var cerr *Error
		if errors.As(err, &cerr) && len(cerr.Problems) == 0 {
			t.Fatal("a refused config lists no problem")
		}
	})
}
