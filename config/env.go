package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment override.
const EnvPrefix = "MEDIAWATCH_"

// EnvKey is one key of the schema as the environment names it.
type EnvKey struct {
	Path string // nats.tls.ca
	Var  string // MEDIAWATCH_NATS_TLS_CA
}

// EnvKeys lists every key of the schema with its variable: the rule is
// MEDIAWATCH_ and the key's path in upper case, its dots made underscores.
// Lists and maps (sources, entities, rules, sinks, entity names, ...) are
// one key each, their value written in YAML flow style.
func EnvKeys() []EnvKey {
	var out []EnvKey
	walkSchema(reflect.ValueOf(&Config{}).Elem(), "", func(path string, _ reflect.Value) {
		out = append(out, EnvKey{Path: path, Var: envVar(path)})
	})
	return out
}

func envVar(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// walkSchema calls leaf for every key under v (a struct): a scalar, a
// duration, a size, a list or a map; a nested struct is walked into.
func walkSchema(v reflect.Value, prefix string, leaf func(path string, field reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			walkSchema(fv, path, leaf)
			continue
		}
		leaf(path, fv)
	}
}

// applyEnv applies the MEDIAWATCH_* overrides of every key of the schema:
// a string as it is, anything else read as YAML (a number, true, 5m, 2GB,
// or a list such as [{id: a, url: "https://e.org/a.xml"}]). An empty
// variable overrides nothing.
func (c *Config) applyEnv(env func(string) string) error {
	var errs []string
	walkSchema(reflect.ValueOf(c).Elem(), "", func(path string, field reflect.Value) {
		name := envVar(path)
		raw := env(name)
		if raw == "" {
			return
		}
		if field.Kind() == reflect.String {
			field.SetString(raw)
			c.fromEnv = append(c.fromEnv, path)
			return
		}
		ptr := reflect.New(field.Type())
		// An unknown key in a list is as much a mistake as in the file.
		dec := yaml.NewDecoder(strings.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(ptr.Interface()); err != nil {
			shown := raw
			if secretKey(path) {
				shown = "REDACTED"
			}
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			var te *yaml.TypeError
			if errors.As(err, &te) {
				// As for the file: each problem, naming its key.
				var root yaml.Node
				_ = yaml.Unmarshal([]byte(raw), &root)
				parts := make([]string, len(te.Errors))
				for i, e := range te.Errors {
					parts[i] = explainTypeError(&root, strings.TrimPrefix(e, "yaml: "))
				}
				msg = strings.Join(parts, "; ")
			}
			errs = append(errs, fmt.Sprintf("%s=%q (%s): %s", name, shown, path, msg))
			return
		}
		field.Set(ptr.Elem())
		c.fromEnv = append(c.fromEnv, path)
	})
	if len(errs) > 0 {
		return fmt.Errorf("environment: %s", strings.Join(errs, "; "))
	}
	return nil
}

// secretKey reports whether the key at path holds a secret (tagged
// secret:"true" in the schema).
func secretKey(path string) bool {
	t := reflect.TypeFor[Config]()
	for _, part := range strings.Split(path, ".") {
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == part {
				if f.Tag.Get("secret") == "true" {
					return true
				}
				t, found = f.Type, true
				break
			}
		}
		if !found || t.Kind() != reflect.Struct {
			return false
		}
	}
	return false
}

// redact masks a secret that is set.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// EnvTypos returns a warning for each variable of names (KEY=value or
// KEY) that looks like a misspelt MEDIAWATCH_* key: not one of the schema's
// nor MEDIAWATCH_CONFIG, but a letter or two away from one. Such a
// variable overrides nothing, which is easy to miss.
func EnvTypos(names []string) []string {
	known := []string{"MEDIAWATCH_CONFIG"}
	for _, k := range EnvKeys() {
		known = append(known, k.Var)
	}
	var out []string
	for _, n := range names {
		n, _, _ = strings.Cut(n, "=")
		if !strings.HasPrefix(n, EnvPrefix) || slices.Contains(known, n) {
			continue
		}
		for _, k := range known {
			if editDistance(n, k) <= 2 {
				out = append(out, fmt.Sprintf("%s is not a config variable: did you mean %s? (it overrides nothing)", n, k))
				break
			}
		}
	}
	return out
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
