// Command progress-golden produces the expected output of buildctl's progress
// display for the scenarios in test/progress/testdata.ts, with
// github.com/moby/buildkit v0.32.2 util/progress/progressui (plain, tty on a
// 100x40 pty, rawjson), client.NewSolveStatus (protobuf StatusResponse ->
// SolveStatus JSON), errdefs.Source.Print, and fmt / tonistiigi/units.
//
// It reads the scenarios as JSON on stdin (written by test/progress/run.ts)
// and writes one JSON object with every golden value on stdout; run.ts renders
// it as test/progress/golden.ts and compares.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(fmt.Errorf("reading scenarios on stdin: %w", err))
	}
	// One display refresh per update and a 1ms ticker, as the goldens were recorded.
	os.Setenv("TTY_DISPLAY_RATE", "1")

	out := output{
		Plain:       map[string]any{},
		Warnings:    map[string]int{},
		SourcePrint: map[string]string{},
		TTY:         map[string][]string{},
	}
	for _, s := range in.Scenarios {
		text, warnings, err := runPlain(s)
		if err != nil {
			fail(fmt.Errorf("plain %s: %w", s.Name, err))
		}
		out.Plain[s.Name] = linesOrBase64(text)
		out.Warnings[s.Name] = warnings
		out.PlainOrder = append(out.PlainOrder, s.Name)
	}
	for _, s := range in.Scenarios {
		lines, err := runRawJSON(s)
		if err != nil {
			fail(fmt.Errorf("rawjson %s: %w", s.Name, err))
		}
		out.RawJSON = append(out.RawJSON, lines...)
	}
	pbs, err := protobufCases()
	if err != nil {
		fail(fmt.Errorf("protobuf cases: %w", err))
	}
	out.PB = pbs
	out.SourcePrint, out.SourcePrintOrder, err = sourcePrints(in.DockerfileText)
	if err != nil {
		fail(fmt.Errorf("source print: %w", err))
	}
	out.Fmt = fmtCases()
	for _, name := range in.TTY {
		s, ok := in.scenario(name)
		if !ok {
			fail(fmt.Errorf("tty: no scenario %q", name))
		}
		lines, err := runTTY(s)
		if err != nil {
			fail(fmt.Errorf("tty %s: %w", name, err))
		}
		out.TTY[name] = lines
		out.TTYOrder = append(out.TTYOrder, name)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

type output struct {
	Plain            map[string]any      `json:"plain"`
	PlainOrder       []string            `json:"plainOrder"`
	Warnings         map[string]int      `json:"warnings"`
	RawJSON          []string            `json:"rawjson"`
	PB               []pbCase            `json:"pb"`
	SourcePrint      map[string]string   `json:"sourcePrint"`
	SourcePrintOrder []string            `json:"sourcePrintOrder"`
	Fmt              []string            `json:"fmt"`
	TTY              map[string][]string `json:"tty"`
	TTYOrder         []string            `json:"ttyOrder"`
}

type pbCase struct {
	PB   string `json:"pb"`
	JSON string `json:"json"`
}

// linesOrBase64 is the text split at "\n", or {"base64": ...} where it is not valid UTF-8.
func linesOrBase64(b []byte) any {
	if !validUTF8(b) {
		return map[string]string{"base64": base64.StdEncoding.EncodeToString(b)}
	}
	return splitLines(string(b))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "progress-golden:", err)
	os.Exit(1)
}
