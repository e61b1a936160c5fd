package reader

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestItemMedia: Media RSS titles, descriptions and keywords, also inside
// media:group and media:content, are the item's Media, each once.
func TestItemMedia(t *testing.T) {
	t.Parallel()
	body := []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>` +
		`<title>T</title><link>https://site.example.org/</link>` +
		`<item><title>Photo of the day</title><link>https://site.example.org/a</link>` +
		`<media:title>Havana at dawn</media:title>` +
		`<media:group><media:content url="https://img.example.org/1.jpg" medium="image">` +
		`<media:description type="html">Fishermen on the &lt;b&gt;Malecón&lt;/b&gt;, Cuba</media:description>` +
		`<media:credit>A. Photographer</media:credit></media:content>` +
		`<media:content url="https://img.example.org/2.jpg"><media:description type="html">Fishermen on the &lt;b&gt;Malecón&lt;/b&gt;, Cuba</media:description></media:content>` +
		`</media:group>` +
		`<media:keywords>cuba, havana, fishing</media:keywords>` +
		`</item>` +
		`<item><title>No media</title><link>https://site.example.org/b</link></item>` +
		`</channel></rss>`)
	_, arts, err := Parse("f", body, "application/rss+xml", fetchedAt)
	require.NoError(t, err)
	require.Len(t, arts, 2)
	assert.Equal(t, "Havana at dawn\ncuba, havana, fishing\nFishermen on the <b>Malecón</b>, Cuba", arts[0].Media)
	assert.Empty(t, arts[1].Media)
}
