package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts a Standard Webhooks signing secret; the rest is the
// key, base64.
const SecretPrefix = "whsec_"

// ErrBadSecret says a webhook's signing secret is not whsec_ and base64.
var ErrBadSecret = errors.New("not a whsec_ secret")

// webhook posts the alert's JSON as published, signed as the Standard
// Webhooks specification says (webhook-id, webhook-timestamp,
// webhook-signature).
type webhook struct {
	o      Options
	key    []byte
	client *http.Client
	now    func() time.Time
}

func newWebhook(o Options) (*webhook, error) {
	key, err := SigningKey(o.Secret)
	if err != nil {
		return nil, fmt.Errorf("sink %s: signing secret: %w", o.Sink, err)
	}
	return &webhook{o: o, key: key, client: httpClient(o), now: time.Now}, nil
}

// SigningKey decodes a whsec_ secret.
func SigningKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: it must start with %s", ErrBadSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("%w: after %s comes the key, at least 16 bytes in base64", ErrBadSecret, SecretPrefix)
	}
	return key, nil
}

// Sign is the webhook-signature of a message: "v1," and the base64
// HMAC-SHA256, under key, of id, timestamp and body joined by dots.
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DigestSchema versions a digest's JSON.
const DigestSchema = 1

// digestBody is the JSON a webhook receives for a digest.
type digestBody struct {
	Schema int       `json:"schema"`
	Type   string    `json:"type"` // "digest"
	ID     string    `json:"id"`
	Time   time.Time `json:"created"`
	Count  int       `json:"count"` // every alert, listed or not
	Alerts []Item    `json:"alerts"`
	More   []Count   `json:"more,omitempty"`
}

func (w *webhook) Send(ctx context.Context, m Message) error {
	body := m.Body
	if m.Digest || body == nil {
		b, err := json.Marshal(digestBody{Schema: DigestSchema, Type: "digest", ID: m.ID, Time: m.Time.UTC(), Count: m.Total(), Alerts: m.Items, More: m.More})
		if err != nil {
			return &Error{Sink: w.o.Sink, Permanent: true, Err: fmt.Errorf("encode digest: %w", err)}
		}
		body = b
	}
	ts := w.now().Unix()
	h := http.Header{}
	for k, v := range w.o.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", w.o.UserAgent)
	h.Set("Webhook-Id", m.ID)
	h.Set("Webhook-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("Webhook-Signature", Sign(w.key, m.ID, ts, body))
	return post(ctx, w.client, w.o.Sink, w.o.URL, body, h)
}
