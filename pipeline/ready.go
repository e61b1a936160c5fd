package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ReadyURL is the /readyz URL of a process whose HTTP server listens on
// listen (http.listen); a wildcard host is asked on the loopback address.
func ReadyURL(listen string) string {
	i := strings.LastIndex(listen, ":")
	if i < 0 {
		return "http://" + listen + "/readyz"
	}
	host, port := listen[:i], listen[i+1:]
	switch host {
	case "", "0.0.0.0", "[::]", "::":
		host = "127.0.0.1"
	}
	return "http://" + host + ":" + port + "/readyz"
}

// CheckReady asks url (a /readyz) and returns its answer when it is 200 OK;
// any other status is an error with the start of the body.
func CheckReady(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("healthcheck %q: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("healthcheck %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	answer := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("healthcheck %s: %s: %s", url, resp.Status, answer)
	}
	return answer, nil
}
