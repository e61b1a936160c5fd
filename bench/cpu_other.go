//go:build !unix

package bench

import "time"

// selfCPU is 0 where there is no getrusage: the raw model's CPU is not
// reported there.
func selfCPU() time.Duration { return 0 }
