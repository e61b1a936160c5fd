package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRuleKinds(t *testing.T) {
	_, err := Parse("x.yaml", []byte("rules:\n  - {id: a, query: 'kind:person NEAR/5 tanker'}\n  - {id: b, query: 'kind:persons'}\n"), noEnv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `x.yaml:3: rules[1] (b).query column 1: unknown entity kind "persons" (the kinds are person, place, org, other)`)
	assert.Contains(t, err.Error(), "1 problem(s)")
}
