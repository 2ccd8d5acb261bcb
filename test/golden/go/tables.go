package main

// Tables of expected values for unit tests (src/**/*.test.ts) that are not LLB graphs:
// each table is a checked-in JSON file under test/golden/tables/ whose inputs are the
// first column; `golden table NAME -in FILE` recomputes every row with the Go code under
// test and prints the file as it must be. test/golden/run.ts runs it for every table and
// fails on any difference; to add a row, add it with any expected values and write the
// output back over the file.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/distribution/reference"
)

// tables maps a table name to the function computing one row from its input.
var tables = map[string]func(input string) []string{
	// src/llb/reference.test.ts: [input, normalised, error] with distribution/reference
	// (the version pinned in go.mod): ParseNormalizedNamed, then TagNameOnly; the error text on failure.
	"reference": func(input string) []string {
		named, err := reference.ParseNormalizedNamed(input)
		if err != nil {
			return []string{input, "", err.Error()}
		}
		return []string{input, reference.TagNameOnly(named).String(), ""}
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
	var rows [][]string
	if err := json.Unmarshal(dt, &rows); err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	var b strings.Builder
	b.WriteString("[\n")
	for i, r := range rows {
		if len(r) == 0 {
			return fmt.Errorf("%s: row %d is empty", *in, i)
		}
		line, err := json.Marshal(row(r[0]))
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
