package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEntityExcludeAndCase(t *testing.T) {
	t.Parallel()
	good := `entities:
  - id: cuba
    kind: place
    country: CU
    exclude: ["古巴比伦", "Cuba Street"]
  - {id: maduro, kind: person, case: any, names: {any: [Maduro]}}
`
	c, err := Parse("good.yaml", []byte(good), noEnv)
	require.NoError(t, err)
	require.Len(t, c.Entities, 2)
	assert.Equal(t, []string{"古巴比伦", "Cuba Street"}, c.Entities[0].Exclude)
	assert.Equal(t, "any", c.Entities[1].Case)

	bad := `entities:
  - id: cuba
    country: CU
    exclude: ["  "]
  - {id: maduro, kind: person, case: upper, names: {any: [Maduro]}}
`
	_, err = Parse("bad.yaml", []byte(bad), noEnv)
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `bad.yaml:4: entities[0] (cuba).exclude: empty phrase "  "`)
	assert.Contains(t, msg, `bad.yaml:5: entities[1] (maduro).case "upper": must be proper or any`)
}
