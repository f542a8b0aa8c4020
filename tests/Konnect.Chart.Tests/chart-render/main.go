// chart-render renders a Helm chart the way `helm template` does, with the engine Helm itself uses: Go text/template
// plus sprig. Helm is not installable on the build machines, so tests/Konnect.Chart.Tests/ChartRenderTests builds
// this (with Debian's golang-go, golang-github-masterminds-sprig-dev and golang-k8s-sigs-yaml-dev, offline, GOPATH
// mode) and checks what charts/konnect really emits.
//
//	chart-render --chart charts/konnect [--values overrides.yaml] [--name konnect] [--namespace konnect-system] [--notes]
//
// The data model is the part of Helm's the chart uses: .Values (values.yaml with --values merged in, like helm's -f),
// .Release.{Name,Namespace,Service,IsInstall,IsUpgrade,Revision}, .Chart.{Name,Version,AppVersion,...} (Chart.yaml's
// keys with the first letter capitalised, as Helm's Metadata fields are, except ApiVersion, which Helm spells
// APIVersion), .Template.{Name,BasePath} and .Files.Get. Functions: sprig's
// TxtFuncMap without env/expandenv (Helm removes them too), and Helm's include, tpl, toYaml, fromYaml, required, fail
// (sprig's) and lookup (an empty map, as `helm template` answers without a cluster). missingkey=zero, and "<no value>"
// is erased from the output, as Helm does.
//
// Output: every rendered templates/*.yaml document with a "# Source: konnect/templates/x.yaml" header, joined by
// "---", empty documents dropped; with --notes only the rendered NOTES.txt (which is always rendered, so its errors
// fail the run). A template error is printed to stderr and the exit code is 1.
//
// What it does NOT do compared with helm: no hooks, no subcharts or dependencies, no values.schema.json validation
// (the tests validate values with NJsonSchema), no kubeVersion check and no .Capabilities, no .helmignore, no
// .Files.Glob/AsConfig/AsSecrets, no toJson/fromJson family, no --set string parsing (overrides come as a YAML/JSON
// file), no sorting of documents by kind (they come in file-name order) and no check that the output is valid
// Kubernetes objects (the tests do that).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

func main() {
	chartDir := flag.String("chart", "charts/konnect", "the chart folder")
	valuesFile := flag.String("values", "", "a YAML or JSON file of values merged over values.yaml")
	name := flag.String("name", "konnect", "the release name")
	namespace := flag.String("namespace", "konnect-system", "the release namespace")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	flag.Parse()

	out, err := render(*chartDir, *valuesFile, *name, *namespace, *notes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func render(chartDir, valuesFile, releaseName, namespace string, notes bool) (string, error) {
	var chart map[string]interface{}
	if err := readYaml(filepath.Join(chartDir, "Chart.yaml"), &chart); err != nil {
		return "", err
	}
	values := map[string]interface{}{}
	if err := readYaml(filepath.Join(chartDir, "values.yaml"), &values); err != nil {
		return "", err
	}
	if valuesFile != "" {
		overrides := map[string]interface{}{}
		if err := readYaml(valuesFile, &overrides); err != nil {
			return "", err
		}
		merge(values, overrides)
	}
	chartName := fmt.Sprint(chart["name"])
	data := map[string]interface{}{
		"Values":  values,
		"Release": map[string]interface{}{"Name": releaseName, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Chart":   metadata(chart),
		"Files":   files{dir: chartDir},
	}

	var root *template.Template
	root = template.New("chart").Option("missingkey=zero").Funcs(funcs(func() *template.Template { return root }, data))
	paths, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	var outputs []string // template names to render, in file-name order; partials (_*) only define templates
	for _, path := range paths {
		base := filepath.Base(path)
		text, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		tname := chartName + "/templates/" + base
		if _, err := root.New(tname).Parse(string(text)); err != nil {
			return "", err
		}
		if !strings.HasPrefix(base, "_") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml") || base == "NOTES.txt") {
			outputs = append(outputs, tname)
		}
	}

	var manifests, notesText strings.Builder
	for _, tname := range outputs {
		data["Template"] = map[string]interface{}{"Name": tname, "BasePath": chartName + "/templates"}
		rendered, err := execute(root, tname, data)
		if err != nil {
			return "", err
		}
		if strings.HasSuffix(tname, "/NOTES.txt") {
			notesText.WriteString(rendered)
			continue
		}
		for _, doc := range documentSeparator.Split(rendered, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			fmt.Fprintf(&manifests, "---\n# Source: %s\n%s\n", tname, strings.TrimSpace(doc))
		}
	}
	if notes {
		return notesText.String(), nil
	}
	return manifests.String(), nil
}

// Helm's releaseutil.SplitManifests splits on the same pattern: a "---" line, whatever surrounds it.
var documentSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

func execute(t *template.Template, name string, data interface{}) (string, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func funcs(root func() *template.Template, data map[string]interface{}) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["include"] = func(name string, scope interface{}) (string, error) {
		var buf bytes.Buffer
		err := root().ExecuteTemplate(&buf, name, scope)
		return buf.String(), err
	}
	f["tpl"] = func(text string, scope interface{}) (string, error) {
		clone, err := root().Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		return execute(t, "tpl", scope)
	}
	f["toYaml"] = func(v interface{}) string {
		out, err := yaml.Marshal(v)
		if err != nil {
			return "" // Helm also swallows the error here
		}
		return strings.TrimSuffix(string(out), "\n")
	}
	f["fromYaml"] = func(text string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(text), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["required"] = func(message string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(message)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(message)
		}
		return v, nil
	}
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

// merge lays overrides over base as helm's -f does: maps merge key by key, anything else replaces, and null deletes
// the key (so a template sees it as unset).
func merge(base, overrides map[string]interface{}) {
	for key, value := range overrides {
		if value == nil {
			delete(base, key)
			continue
		}
		if sub, ok := value.(map[string]interface{}); ok {
			if existing, ok := base[key].(map[string]interface{}); ok {
				merge(existing, sub)
				continue
			}
		}
		base[key] = value
	}
}

// metadata gives Chart.yaml's keys the names Helm's chart.Metadata struct gives templates (.Chart.AppVersion).
func metadata(chart map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for key, value := range chart {
		out[strings.ToUpper(key[:1])+key[1:]] = value
	}
	if _, ok := out["AppVersion"]; !ok {
		out["AppVersion"] = ""
	}
	return out
}

// files is .Files: Get returns a chart file's text, or "" when it does not exist (as Helm does). Helm's Files holds
// every file except templates/, Chart.yaml and values.yaml; that rule is kept.
type files struct{ dir string }

func (f files) Get(name string) string {
	clean := filepath.ToSlash(filepath.Clean(name))
	if strings.HasPrefix(clean, "templates/") || strings.HasPrefix(clean, "../") || clean == "Chart.yaml" || clean == "values.yaml" {
		return ""
	}
	text, err := os.ReadFile(filepath.Join(f.dir, clean))
	if err != nil {
		return ""
	}
	return string(text)
}

// readYaml reads YAML through JSON, as Helm does (sigs.k8s.io/yaml): numbers become float64, as templates see them.
func readYaml(path string, into interface{}) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(text, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
