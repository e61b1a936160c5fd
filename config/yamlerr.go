package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The decoder's messages name Go types; these find what they are about.
var (
	typeErrLine     = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField    = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	cannotUnmarshal = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S.*)$")
)

// explainTypeError rewrites one of the decoder's messages ("line 3: field
// bogus not found in type config.NATS", "line 2: cannot unmarshal !!str
// `three` into int") to name the key in the file and what it wants
// ("line 3: nats.bogus: unknown key", "line 2: nats.replicas: "three" is not
// a whole number"). Other messages (a bad duration or size) get the key
// too.
func explainTypeError(root *yaml.Node, msg string) string {
	m := typeErrLine.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(m[1])
	text := m[2]
	u := cannotUnmarshal.FindStringSubmatch(text)
	// A mapping or list where something else belongs is the value that
	// starts on the line, not the first key inside it.
	key := keyAt(root, line, u != nil && (u[1] == "map" || u[1] == "seq"))
	if f := unknownField.FindStringSubmatch(text); f != nil {
		if key == "" {
			key = f[1]
		}
		return fmt.Sprintf("line %d: %s: unknown key", line, key)
	}
	if u != nil {
		got := u[2]
		if got == "" {
			got = map[string]string{"map": "a mapping", "seq": "a list"}[u[1]]
			if got == "" {
				got = "a " + u[1]
			}
		} else {
			got = strconv.Quote(got)
		}
		text = fmt.Sprintf("%s is not %s", got, wants(u[3]))
	}
	if key == "" {
		return fmt.Sprintf("line %d: %s", line, text)
	}
	return fmt.Sprintf("line %d: %s: %s", line, key, text)
}

// wants says in words what a Go type of the schema takes.
func wants(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "a string"
	default:
		return "a mapping of keys"
	}
}

// keyAt returns the path (nats.replicas, sources[2].interval) of the
// deepest key on line, or of the value that starts there, "" if none; with
// collection, of the outermost mapping or list value that starts there.
func keyAt(root *yaml.Node, line int, collection bool) string {
	best := ""
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				switch {
				case collection && v.Line == line && v.Kind != yaml.ScalarNode:
					if best == "" {
						best = p
					}
				case !collection && (k.Line == line || (v.Line == line && v.Kind != yaml.ScalarNode)):
					best = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if !collection && c.Line == line && c.Kind == yaml.ScalarNode {
					best = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return best
}
