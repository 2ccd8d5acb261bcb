package main

// Tables of expected values for unit tests (src/**/*.test.ts) that are not LLB graphs:
// each table is a checked-in JSON file under test/golden/tables/ whose inputs are the
// first column; `golden table NAME -in FILE` recomputes every row with the Go code under
// test and prints the file as it must be. test/golden/run.ts runs it for every table and
// fails on any difference; to add a row, add it with any expected values and write the
// output back over the file.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

// tables maps a table name to the function computing one row from its input.
var tables = map[string]func(input string) []any{
	// src/llb/reference.test.ts: [input, normalised, error] with distribution/reference
	// (the version pinned in go.mod): ParseNormalizedNamed, then TagNameOnly; the error text on failure.
	"reference": func(input string) []any {
		named, err := reference.ParseNormalizedNamed(input)
		if err != nil {
			return []any{input, "", err.Error()}
		}
		return []any{input, reference.TagNameOnly(named).String(), ""}
	},
	"exec":   execRow,
	"fileop": fileopRow,
	"source": sourceRow,
	// src/llb/source.test.ts: [url, identifier, git.fullurl, sorted attr keys] of the source op of
	// llb.Git(url, "") marshalled for linux/amd64, or [url, null, null, the marshal error].
	"giturl": func(input string) []any {
		def, err := llb.Git(input, "").Marshal(context.Background(), llb.LinuxAmd64)
		if err != nil {
			return []any{input, nil, nil, err.Error()}
		}
		var op pb.Op
		if err := op.UnmarshalVT(def.Def[0]); err != nil {
			panic(err)
		}
		src := op.GetSource()
		keys := make([]string, 0, len(src.Attrs))
		for k := range src.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var fullURL any
		if v, ok := src.Attrs["git.fullurl"]; ok {
			fullURL = v
		}
		return []any{input, src.Identifier, fullURL, keys}
	},
}

func cmdTable(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("table: want a table name (%s)", tableNames())
	}
	row, ok := tables[args[0]]
	if !ok {
		return fmt.Errorf("table: unknown table %q (%s)", args[0], tableNames())
	}
	fs := flag.NewFlagSet("table", flag.ExitOnError)
	in := fs.String("in", "", "the table's JSON file (its first column is read)")
	fs.Parse(args[1:])
	dt, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var rows [][]any
	if err := json.Unmarshal(dt, &rows); err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	var b strings.Builder
	b.WriteString("[\n")
	for i, r := range rows {
		if len(r) == 0 {
			return fmt.Errorf("%s: row %d is empty", *in, i)
		}
		input, ok := r[0].(string)
		if !ok {
			return fmt.Errorf("%s: row %d: the input is not a string", *in, i)
		}
		line, err := marshalRow(row(input))
		if err != nil {
			return err
		}
		b.WriteString("  ")
		b.Write(line)
		if i < len(rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err = os.Stdout.WriteString(b.String())
	return err
}

func tableNames() string {
	var names []string
	for n := range tables {
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// marshalRow is json.Marshal without HTML escaping (<, >, & stay as they are, as in JSON.stringify).
func marshalRow(row []any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(row); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
