package reader

import "unicode/utf8"

// Limits bound what one fetch of a feed yields, so that every item becomes
// a message far below the NATS server's payload limit and one huge item or
// feed cannot crowd out the others. Zero means no limit.
type Limits struct {
	MaxItems   int // items kept per fetch: the first ones
	MaxTitle   int // bytes of a title
	MaxSummary int // bytes of a summary
	MaxContent int // bytes of the content
	MaxList    int // authors or categories of an item
	// MaxBody caps a body that is still gzip when parsed, after
	// decompression (0: 4 x DefaultMaxBody): a file saved compressed, or
	// a fetched body compressed twice, whose outer layer the fetcher's
	// own cap has already undone.
	MaxBody int64
}

// DefaultLimits keep an item under about 400 KB.
func DefaultLimits() Limits {
	return Limits{MaxItems: 1000, MaxTitle: 4 << 10, MaxSummary: 64 << 10, MaxContent: 256 << 10, MaxList: 64}
}

// maxLink bounds a link or GUID, in bytes.
const maxLink = 4 << 10

// maxListEntry bounds one author or category, in bytes.
const maxListEntry = 256

// list caps a list of names and each name in it, counting what it cut.
func (l Limits) list(names []string, stats *Feed) []string {
	if l.MaxList > 0 && len(names) > l.MaxList {
		names = names[:l.MaxList]
		stats.Truncated++
	}
	for i, n := range names {
		if len(n) > maxListEntry {
			names[i] = truncate(n, maxListEntry)
			stats.Truncated++
		}
	}
	return names
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
