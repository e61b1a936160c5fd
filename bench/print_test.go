package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The printed sizes are decimal, as the config's are and as the targets
// are stated (peak RSS under 300 MB): 277,463,040 bytes are 277 MB, not
// the 264 that a count of mebibytes would print.
func TestPrintDecimalUnits(t *testing.T) {
	r := Result{Articles: 10000, Bytes: 3127, Seconds: 3.2, Throughput: 3138, P50: 1387.7, P99: 1937.5, Alerts: 1047,
		PeakRSS: 277_463_040, IdleRSS: 44_908_544, Cores: 1.85, CPUPerArt: 0.601, ReadyMS: 530,
		RawSeconds: 0.94, RawRate: 10606, RawCores: 1.8, RawCPU: 0.170, Ratio: 0.30}
	var b strings.Builder
	r.Print(&b)
	out := b.String()
	assert.Contains(t, out, "memory:          peak RSS 277 MB, idle 45 MB\n")
	assert.Contains(t, out, "10000 articles (3.1 KB on average)")
	assert.Contains(t, out, "10000 messages of 3.1 KB through 3 hops")
	assert.Contains(t, out, "ratio:           0.30 (pipeline / raw JetStream)\n")
}
