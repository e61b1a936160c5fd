package reader

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test</title><link>https://example.org/</link>
<item><title>One</title><link>https://example.org/1</link></item>
</channel></rss>`

// gzipped compresses b.
func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// deflated compresses b as HTTP's zlib-wrapped deflate.
func deflated(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// rawDeflated compresses b as raw deflate, without zlib's wrapper.
func rawDeflated(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	require.NoError(t, err)
	_, err = fw.Write(b)
	require.NoError(t, err)
	require.NoError(t, fw.Close())
	return buf.Bytes()
}

func TestFetch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		prev    Validators
		maxBody int64
		check   func(t *testing.T, resp *Response, err error)
	}{
		{
			name: "ok with validators and polite headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("User-Agent") != "mediawatch-test/1 (+https://example.org/bot)" ||
					r.Header.Get("Accept-Encoding") != "gzip" ||
					!strings.Contains(r.Header.Get("Accept"), "application/rss+xml") {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
				w.Header().Set("ETag", `"v2"`)
				w.Header().Set("Last-Modified", "Wed, 18 Feb 2026 10:00:00 GMT")
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.Equal(t, http.StatusOK, resp.Status)
				assert.False(t, resp.NotModified)
				assert.Equal(t, testFeed, string(resp.Body))
				assert.Equal(t, "application/rss+xml; charset=utf-8", resp.ContentType)
				assert.Equal(t, Validators{ETag: `"v2"`, LastModified: "Wed, 18 Feb 2026 10:00:00 GMT"}, resp.Validators())
			},
		},
		{
			name: "not modified",
			prev: Validators{ETag: `"v1"`, LastModified: "Tue, 17 Feb 2026 10:00:00 GMT"},
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Tue, 17 Feb 2026 10:00:00 GMT" {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.True(t, resp.NotModified)
				assert.Equal(t, http.StatusNotModified, resp.Status)
				assert.Empty(t, resp.Body)
				assert.Equal(t, Validators{ETag: `"v1"`, LastModified: "Tue, 17 Feb 2026 10:00:00 GMT"}, resp.Validators(), "previous validators stand")
			},
		},
		{
			name: "not modified with a new etag",
			prev: Validators{ETag: `"v1"`},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v1b"`)
				w.WriteHeader(http.StatusNotModified)
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.True(t, resp.NotModified)
				assert.Equal(t, `"v1b"`, resp.ETag)
			},
		},
		{
			name: "no validators sent on a first fetch",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.False(t, resp.NotModified)
			},
		},
		{
			name: "gzip with content-encoding",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(gzipped(t, []byte(testFeed)))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.Equal(t, testFeed, string(resp.Body))
			},
		},
		{
			name: "gzip without content-encoding",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/octet-stream")
				_, _ = w.Write(gzipped(t, []byte(testFeed)))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.Equal(t, testFeed, string(resp.Body))
			},
		},
		{
			name: "content-encoding gzip on a plain body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.Equal(t, testFeed, string(resp.Body))
			},
		},
		{
			name:    "body over the cap",
			maxBody: 64,
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.ErrorIs(t, err, ErrBodyTooLarge)
				assert.Contains(t, err.Error(), "more than 64 bytes")
			},
		},
		{
			name:    "body at the cap",
			maxBody: int64(len(testFeed)),
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.Len(t, resp.Body, len(testFeed))
			},
		},
		{
			name:    "gzip under the cap that inflates over it",
			maxBody: 4 << 10,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(gzipped(t, bytes.Repeat([]byte("<p>news</p>"), 10_000)))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.ErrorIs(t, err, ErrBodyTooLarge)
				assert.Contains(t, err.Error(), "more than 4096 bytes after decompression")
			},
		},
		{
			name: "too many requests with retry-after seconds",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			check: func(t *testing.T, resp *Response, err error) {
				var he *HTTPError
				require.ErrorAs(t, err, &he)
				assert.Equal(t, http.StatusTooManyRequests, he.Status)
				assert.Equal(t, 2*time.Minute, he.RetryAfter)
				assert.True(t, he.Temporary())
				assert.Contains(t, err.Error(), "unexpected status 429 Too Many Requests (retry after 2m0s)")
			},
		},
		{
			name: "unavailable with retry-after date",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "Wed, 18 Feb 2026 10:05:00 GMT")
				w.WriteHeader(http.StatusServiceUnavailable)
			},
			check: func(t *testing.T, resp *Response, err error) {
				var he *HTTPError
				require.ErrorAs(t, err, &he)
				assert.Equal(t, http.StatusServiceUnavailable, he.Status)
				assert.Equal(t, 5*time.Minute, he.RetryAfter)
			},
		},
		{
			name: "server error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "boom", http.StatusInternalServerError)
			},
			check: func(t *testing.T, resp *Response, err error) {
				var he *HTTPError
				require.ErrorAs(t, err, &he)
				assert.Equal(t, http.StatusInternalServerError, he.Status)
				assert.Zero(t, he.RetryAfter)
				assert.True(t, he.Temporary())
				assert.Contains(t, err.Error(), "unexpected status 500 Internal Server Error")
				assert.Nil(t, resp)
			},
		},
		{
			name: "gone is permanent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusGone)
			},
			check: func(t *testing.T, resp *Response, err error) {
				var he *HTTPError
				require.ErrorAs(t, err, &he)
				assert.False(t, he.Temporary())
				assert.Contains(t, err.Error(), "410")
			},
		},
		{
			name: "redirect followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/moved" {
					http.Redirect(w, r, "/moved", http.StatusMovedPermanently)
					return
				}
				_, _ = w.Write([]byte(testFeed))
			},
			check: func(t *testing.T, resp *Response, err error) {
				require.NoError(t, err)
				assert.True(t, strings.HasSuffix(resp.URL, "/moved"), resp.URL)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			f := NewFetcher(srv.Client(), "mediawatch-test/1 (+https://example.org/bot)", 5*time.Second, tt.maxBody)
			f.now = func() time.Time { return time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC) }
			resp, err := f.Fetch(t.Context(), srv.URL+"/feed.xml", tt.prev)
			if err != nil {
				assert.True(t, strings.HasPrefix(err.Error(), "fetch "+srv.URL), err.Error())
			}
			tt.check(t, resp, err)
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		timeout     time.Duration // the fetcher's
		ctxDeadline time.Duration // the caller's, 0 for none
	}{
		{name: "fetcher timeout", timeout: 50 * time.Millisecond},
		{name: "caller deadline sooner than the fetcher's", timeout: time.Hour, ctxDeadline: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done() // hang until the client gives up
			}))
			t.Cleanup(srv.Close)
			ctx := t.Context()
			if tt.ctxDeadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxDeadline)
				defer cancel()
			}
			f := NewFetcher(srv.Client(), "mediawatch-test/1", tt.timeout, 0)
			_, err := f.Fetch(ctx, srv.URL, Validators{})
			require.ErrorIs(t, err, context.DeadlineExceeded)
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(testFeed))
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := NewFetcher(srv.Client(), "ua", 0, 0).Fetch(ctx, srv.URL, Validators{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestFetchBadURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
	}{
		{name: "unsupported scheme", url: "ftp://example.org/feed.xml"},
		{name: "unparsable", url: "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewFetcher(nil, "ua", 0, 0).Fetch(t.Context(), tt.url, Validators{})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "fetch "+tt.url), err.Error())
		})
	}
}

func TestFetchThenParseHTMLPage(t *testing.T) {
	t.Parallel()
	page := readFeed(t, "html-page.html")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	t.Cleanup(srv.Close)
	resp, err := NewFetcher(srv.Client(), "ua", 0, 0).Fetch(t.Context(), srv.URL, Validators{})
	require.NoError(t, err)
	_, _, err = Parse("site", resp.Body, resp.ContentType, time.Now())
	require.ErrorIs(t, err, ErrNotFeed)
	assert.EqualError(t, err, "parse feed: not a feed: HTML page")
}

func TestFetchThenParseGzipFeed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(gzipped(t, []byte(testFeed)))
	}))
	t.Cleanup(srv.Close)
	resp, err := NewFetcher(srv.Client(), "ua", 0, 0).Fetch(t.Context(), srv.URL, Validators{})
	require.NoError(t, err)
	feed, arts, err := Parse("test", resp.Body, resp.ContentType, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "Test", feed.Title)
	require.Len(t, arts, 1)
	assert.Equal(t, "https://example.org/1", arts[0].URL)
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	feed := []byte(testFeed)
	gz := gzipped(t, feed)
	tests := []struct {
		name     string
		body     []byte
		encoding string
		limit    int64
		want     []byte
		prefix   bool // got need only be a non-empty prefix of want
		wantErr  error
	}{
		{name: "plain", body: feed, limit: 1 << 20, want: feed},
		{name: "gzip by magic", body: gz, limit: 1 << 20, want: feed},
		{name: "truncated gzip keeps what it held", body: gz[:len(gz)*2/3], limit: 1 << 20, want: feed, prefix: true},
		{name: "deflate", body: deflated(t, feed), encoding: "deflate", limit: 1 << 20, want: feed},
		{name: "raw deflate", body: rawDeflated(t, feed), encoding: "Deflate", limit: 1 << 20, want: feed},
		{name: "deflate over the cap", body: deflated(t, bytes.Repeat(feed, 100)), encoding: "deflate", limit: 4 << 10, wantErr: ErrBodyTooLarge},
		{name: "compressed over the cap", body: gz, limit: int64(len(gz) - 1), wantErr: ErrBodyTooLarge},
		{name: "broken gzip", body: []byte{0x1f, 0x8b, 8, 0, 0}, limit: 1 << 20, wantErr: errors.New("decompress gzip")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readBody(bytes.NewReader(tt.body), tt.encoding, tt.limit)
			switch {
			case tt.wantErr == nil:
				require.NoError(t, err)
				if tt.prefix {
					assert.True(t, len(got) > 0 && bytes.HasPrefix(tt.want, got), "got %q", got)
					return
				}
				assert.Equal(t, string(tt.want), string(got))
			case errors.Is(tt.wantErr, ErrBodyTooLarge):
				require.ErrorIs(t, err, ErrBodyTooLarge)
			default:
				require.ErrorContains(t, err, tt.wantErr.Error())
			}
		})
	}
}
