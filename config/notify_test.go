package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRuleKinds(t *testing.T) {
	_, err := Parse("x.yaml", []byte("rules:\n  - {id: a, query: 'kind:person NEAR/5 tanker'}\n  - {id: b, query: 'kind:persons'}\n"), noEnv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `x.yaml:3: rules[1] (b).query column 1: unknown entity kind "persons" (the kinds are person, place, org, other)`)
	assert.Contains(t, err.Error(), "1 problem(s)")
}

const sinksYAML = `sinks:
  - {id: ops-hook, type: webhook, url: "https://example.org/hook", secret_env: OPS_HOOK_SECRET, headers: {X-Team: desk}}
  - {id: team-slack, type: slack, secret_env: SLACK_WEBHOOK_URL, mode: digest, every: 15m}
  - id: desk
    type: email
    url: smtps://alerts@mail.example.org:465
    secret_env: SMTP_PASSWORD
    from: mediawatch@example.org
    to: [desk@example.org, "Night Desk <night@example.org>"]
    mode: digest
    every: 1h
    max_per_hour: 20
  - {id: phone, type: ntfy, url: "https://ntfy.sh/mediawatch-x7", secret_env: NTFY_TOKEN, max_per_hour: 10}
  - {id: local, type: webhook, url: "http://127.0.0.1:8080/hook", secret_env: LOCAL_SECRET, allow_private: true}
rules:
  - {id: venezuela, query: 'venezuela', notify: [ops-hook, team-slack, desk, phone, local]}
`

func TestSinks(t *testing.T) {
	cfg, err := Parse("x.yaml", []byte(sinksYAML), noEnv)
	require.NoError(t, err)
	require.Len(t, cfg.Sinks, 5)
	assert.Equal(t, ModeEach, cfg.Sinks[0].Mode, "each by default")
	assert.Equal(t, Duration(DefaultSinkTimeout), cfg.Sinks[0].Timeout)
	assert.Equal(t, Duration(DefaultSinkMaxDelay), cfg.Sinks[0].MaxDelay)
	assert.Equal(t, Duration(15*time.Minute), cfg.Sinks[1].Every)
	assert.Equal(t, []string{"desk@example.org", "Night Desk <night@example.org>"}, cfg.Sinks[2].To)
	assert.Equal(t, 20, cfg.Sinks[2].MaxPerHour)
	assert.True(t, cfg.Sinks[4].AllowPrivate)
}

func TestSinkProblems(t *testing.T) {
	bad := `sinks:
  - {id: a, type: pager}
  - {id: b, type: webhook, url: "ftp://x/y"}
  - {id: c, type: webhook, url: "http://169.254.169.254/hook", secret_env: "whsec_abc=="}
  - {id: d, type: email, url: "smtp://u:hunter2@mail.example.org", from: nobody, to: []}
  - {id: e, type: slack, url: "https://hooks.slack.com/x", secret_env: S}
  - {id: f, type: ntfy, url: "https://ntfy.sh/t", mode: digest, every: 10ms, max_per_hour: -1, headers: {X: y}}
  - {id: g, type: webhook, url: "https://e.org/h", secret_env: G, mode: weekly, headers: {Webhook-Signature: x}}
  - {id: h, type: slack, to: [x@example.org]}
rules:
  - {id: r, query: x, notify: [a, nope]}
`
	_, err := Parse("x.yaml", []byte(bad), noEnv)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`x.yaml:2: sinks[0] (a).type "pager": must be webhook, slack, email or ntfy`,
		`x.yaml:3: sinks[1] (b).url "ftp://x/y": not an http or https URL`,
		`x.yaml:3: sinks[1] (b).secret_env: missing`,
		`x.yaml:4: sinks[2] (c).url: host 169.254.169.254 is a loopback or private address (allow_private: true lets a sink reach one)`,
		`x.yaml:4: sinks[2] (c).secret_env "whsec_abc==": must name an environment variable`,
		`x.yaml:5: sinks[3] (d).url: no password in the URL`,
		`x.yaml:5: sinks[3] (d).secret_env: missing (the variable that holds the SMTP password of u)`,
		`x.yaml:5: sinks[3] (d).from "nobody": not an e-mail address`,
		`x.yaml:5: sinks[3] (d).to: missing`,
		`x.yaml:6: sinks[4] (e).secret_env: a slack sink takes its webhook URL from url or from secret_env, not both`,
		`x.yaml:7: sinks[5] (f).every 10ms: must be at least 1s`,
		`x.yaml:7: sinks[5] (f).max_per_hour -1: must not be negative`,
		`x.yaml:7: sinks[5] (f).headers: only a webhook sink takes headers`,
		`x.yaml:8: sinks[6] (g).mode "weekly": must be each or digest`,
		`x.yaml:8: sinks[6] (g).headers: Webhook-Signature is set by the notifier`,
		`x.yaml:9: sinks[7] (h).url: missing`,
		`x.yaml:9: sinks[7] (h).to and from: only an email sink takes them`,
		`x.yaml:11: rules[0] (r).notify: unknown sink "nope"`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "hunter2", "a password in a URL is not repeated")
}

func TestSinkRedacted(t *testing.T) {
	cfg, err := Parse("x.yaml", []byte(sinksYAML), noEnv)
	require.NoError(t, err)
	cfg.Sinks = append(cfg.Sinks,
		Sink{ID: "s", Type: SinkSlack, URL: "https://hooks.slack.com/services/T0/B0/secret"},
		Sink{ID: "w", Type: SinkWebhook, URL: "https://e.org/hook?token=secret"})
	red := cfg.Redacted()
	for _, s := range red.Sinks {
		assert.NotContains(t, s.URL, "secret", s.ID)
		assert.NotContains(t, s.URL, "mediawatch-x7", s.ID)
		assert.NotContains(t, s.URL, "alerts@", s.ID)
		for _, v := range s.Headers {
			assert.Equal(t, "REDACTED", v)
		}
	}
	assert.Equal(t, "https://hooks.slack.com/services/T0/B0/secret", cfg.Sinks[5].URL, "the original is untouched")
}
