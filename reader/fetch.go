// Package poller fetches news feeds and turns them into pipeline articles.
// This part of it never sees NATS: Fetcher makes one polite HTTP request,
// ToUTF8 copes with the encodings real servers send, and Parse maps a feed
// body to pipeline.Article values.
package reader

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mediawatch/mediawatch/retryafter"
)

// Defaults NewFetcher uses for a zero timeout or body cap.
const (
	DefaultTimeout = 20 * time.Second
	DefaultMaxBody = 10 << 20 // 10 MiB, after decompression
)

// acceptHeader asks for feeds first and takes anything else.
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// ErrBodyTooLarge says a response body, once decompressed, exceeded the
// fetcher's cap.
var ErrBodyTooLarge = errors.New("body too large")

// Validators are the cache validators of a previous response. Sending them
// back lets a server answer 304 Not Modified.
type Validators struct {
	ETag         string
	LastModified string
}

// Response is a fetched feed.
type Response struct {
	Status       int    // HTTP status code: 200 family, or 304
	NotModified  bool   // the server answered 304: Body is empty, the previous content stands
	Body         []byte // decompressed body, at most the fetcher's cap
	ContentType  string // the Content-Type header, for ToUTF8 and Parse
	ETag         string // validators to send next time; on 304 the
	LastModified string // previous ones unless the server sent new ones
	URL          string // the URL finally fetched, after redirects
}

// Validators returns the validators to send with the next request.
func (r *Response) Validators() Validators {
	return Validators{ETag: r.ETag, LastModified: r.LastModified}
}

// HTTPError is a response with a status other than 2xx or 304. RetryAfter
// is the delay the server asked for in a Retry-After header (429, 503 and
// redirects may carry one), zero when it asked for none.
type HTTPError struct {
	Status     int
	RetryAfter time.Duration
}

// Error describes the status and any delay the server asked for.
func (e *HTTPError) Error() string {
	msg := "unexpected status " + strconv.Itoa(e.Status)
	if text := http.StatusText(e.Status); text != "" {
		msg += " " + text
	}
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.String() + ")"
	}
	return msg
}

// Temporary reports whether the same request may succeed later: true for
// 408, 425, 429 and the 5xx statuses, false for the rest (404, 410, 401...).
func (e *HTTPError) Temporary() bool {
	switch e.Status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return e.Status >= 500
}

// Fetcher fetches feeds politely: conditional requests, a clear
// User-Agent, a per-request timeout and a cap on the body size. It is safe
// for concurrent use.
type Fetcher struct {
	client    *http.Client
	userAgent string
	timeout   time.Duration
	maxBody   int64
	now       func() time.Time
}

// NewFetcher returns a Fetcher. client nil means NewClient(timeout, false);
// timeout bounds each request (DefaultTimeout when zero or
// negative); maxBody caps a body after decompression (DefaultMaxBody when
// zero or negative). userAgent should name the software and a contact URL.
func NewFetcher(client *http.Client, userAgent string, timeout time.Duration, maxBody int64) *Fetcher {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if client == nil {
		client = NewClient(timeout, false)
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return &Fetcher{client: client, userAgent: userAgent, timeout: timeout, maxBody: maxBody, now: time.Now}
}

// Fetch GETs a feed. It sends prev as If-None-Match and If-Modified-Since,
// and returns a Response with NotModified set when the server answers 304.
// The request ends after the fetcher's timeout or at ctx's deadline,
// whichever comes first. A gzip body is decompressed, whether or not the
// server said so in Content-Encoding. Any status other than 2xx and 304 is
// an error wrapping *HTTPError, which carries the delay of a Retry-After
// header; a body over the cap is an error wrapping ErrBodyTooLarge.
func (f *Fetcher) Fetch(ctx context.Context, url string, prev Validators) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: unsupported scheme %q", RedactURL(url), req.URL.Scheme)
	}
	if f.userAgent != "" {
		req.Header.Set("User-Agent", f.userAgent)
	}
	req.Header.Set("Accept", acceptHeader)
	// Asking for gzip ourselves turns off the transport's transparent
	// decompression, so the cap applies to what we decompress.
	req.Header.Set("Accept-Encoding", "gzip")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		// The client's error names the URL too, only its password hidden.
		if uerr, ok := errors.AsType[*neturl.Error](err); ok {
			uerr.URL = RedactURL(uerr.URL)
		}
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), err)
	}
	defer func() { _ = resp.Body.Close() }()

	out := &Response{
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		URL:          resp.Request.URL.String(),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = prev.ETag
		}
		if out.LastModified == "" {
			out.LastModified = prev.LastModified
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Read a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		herr := &HTTPError{
			Status:     resp.StatusCode,
			RetryAfter: retryafter.Parse(resp.Header.Get("Retry-After"), f.now()),
		}
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), herr)
	}

	body, err := readBody(resp.Body, resp.Header.Get("Content-Encoding"), f.maxBody)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), err)
	}
	out.Body = body
	return out, nil
}

// readBody reads a response body of at most limit bytes. A gzip body is
// decompressed whether or not contentEncoding says so (servers compress
// without saying so, and files get saved compressed), a deflate one when
// contentEncoding says so; the cap applies to the decompressed bytes.
func readBody(r io.Reader, contentEncoding string, limit int64) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("read body: %w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	var body []byte
	switch {
	case isGzip(raw):
		body, err = gunzip(raw, limit)
	case strings.EqualFold(strings.TrimSpace(contentEncoding), "deflate"):
		body, err = inflate(raw, limit)
	default:
		return raw, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

// isGzip reports whether b starts with the gzip magic bytes.
func isGzip(b []byte) bool {
	return len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8
}

// gunzip decompresses a gzip stream (all its members) into at most limit
// bytes, like readCapped.
func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decompress gzip: %w", err)
	}
	defer func() { _ = zr.Close() }()
	return readCapped(zr, limit, "decompress gzip")
}

// inflate decompresses a deflate body into at most limit bytes. HTTP's
// "deflate" is zlib-wrapped, but some servers send raw deflate: both are
// accepted.
func inflate(b []byte, limit int64) ([]byte, error) {
	var r io.ReadCloser
	if zr, err := zlib.NewReader(bytes.NewReader(b)); err == nil {
		r = zr
	} else {
		r = flate.NewReader(bytes.NewReader(b))
	}
	defer func() { _ = r.Close() }()
	return readCapped(r, limit, "inflate")
}

// readCapped reads a decompressing reader into at most limit bytes. More
// fails with ErrBodyTooLarge; a stream cut short yields what it held, since
// feeds are often served truncated and the XML parser judges the rest.
func readCapped(r io.Reader, limit int64, verb string) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d bytes after decompression", verb, ErrBodyTooLarge, limit)
	}
	if err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && len(out) > 0) {
		return nil, fmt.Errorf("%s: %w", verb, err)
	}
	return out, nil
}
