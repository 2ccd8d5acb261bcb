// Prints what buildkit v0.32.2's instructions.Parse (with its linter) makes of every case of
// cases.json, as expected.json for src/dockerfile/instructions/parse-golden.test.ts:
//
//	go run . < cases.json > expected.json

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

type tcase struct {
	Dockerfile string `json:"dockerfile"`
	Check      string `json:"check,omitempty"`
	Expand     bool   `json:"expand,omitempty"`
}

func rng(r []parser.Range) [][]int {
	out := [][]int{}
	for _, x := range r {
		out = append(out, []int{x.Start.Line, x.Start.Character, x.End.Line, x.End.Character})
	}
	return out
}

func kvps(k instructions.KeyValuePairs) [][]any {
	out := [][]any{}
	for _, x := range k {
		out = append(out, []any{x.Key, x.Value, x.NoDelim})
	}
	return out
}

func sc(s []instructions.SourceContent) [][]any {
	out := [][]any{}
	for _, x := range s {
		out = append(out, []any{x.Path, x.Data, x.Expand})
	}
	return out
}

func files(s []instructions.ShellInlineFile) [][]any {
	out := [][]any{}
	for _, x := range s {
		out = append(out, []any{x.Name, x.Data, x.Chomp})
	}
	return out
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func bp(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
func up(b *uint64) any {
	if b == nil {
		return nil
	}
	return *b
}
func sp(b *string) any {
	if b == nil {
		return nil
	}
	return *b
}

func dumpCmd(c instructions.Command) map[string]any {
	m := map[string]any{"name": c.Name(), "code": c.(interface{ String() string }).String(), "location": rng(c.Location()), "comments": strs(c.Comments())}
	switch c := c.(type) {
	case *instructions.EnvCommand:
		m["kind"] = "env"
		m["env"] = kvps(c.Env)
	case *instructions.MaintainerCommand:
		m["kind"] = "maintainer"
		m["maintainer"] = c.Maintainer
	case *instructions.LabelCommand:
		m["kind"] = "label"
		m["labels"] = kvps(c.Labels)
	case *instructions.AddCommand:
		m["kind"] = "add"
		m["dest"] = c.DestPath
		m["srcs"] = strs(c.SourcePaths)
		m["contents"] = sc(c.SourceContents)
		m["chown"] = c.Chown
		m["chmod"] = c.Chmod
		m["link"] = c.Link
		m["exclude"] = strs(c.ExcludePatterns)
		m["keepGitDir"] = bp(c.KeepGitDir)
		m["checksum"] = c.Checksum
		m["unpack"] = bp(c.Unpack)
	case *instructions.CopyCommand:
		m["kind"] = "copy"
		m["dest"] = c.DestPath
		m["srcs"] = strs(c.SourcePaths)
		m["contents"] = sc(c.SourceContents)
		m["from"] = c.From
		m["chown"] = c.Chown
		m["chmod"] = c.Chmod
		m["link"] = c.Link
		m["exclude"] = strs(c.ExcludePatterns)
		m["parents"] = c.Parents
	case *instructions.OnbuildCommand:
		m["kind"] = "onbuild"
		m["expression"] = c.Expression
	case *instructions.WorkdirCommand:
		m["kind"] = "workdir"
		m["path"] = c.Path
	case *instructions.RunCommand:
		m["kind"] = "run"
		m["cmdLine"] = c.CmdLine
		m["files"] = files(c.Files)
		m["prependShell"] = c.PrependShell
		used := slices.Clone(strs(c.FlagsUsed))
		slices.Sort(used) // Go lists them in map order
		m["flagsUsed"] = used
		mounts := []map[string]any{}
		for _, x := range instructions.GetMounts(c) {
			mounts = append(mounts, map[string]any{"type": string(x.Type), "from": x.From, "source": x.Source, "target": x.Target, "readOnly": x.ReadOnly, "sizeLimit": x.SizeLimit, "cacheID": x.CacheID, "cacheSharing": string(x.CacheSharing), "required": x.Required, "env": sp(x.Env), "mode": up(x.Mode), "uid": up(x.UID), "gid": up(x.GID)})
		}
		m["mounts"] = mounts
		m["network"] = instructions.GetNetwork(c)
		m["security"] = instructions.GetSecurity(c)
		devs := [][]any{}
		for _, d := range instructions.GetDevices(c) {
			devs = append(devs, []any{d.Name, d.Required})
		}
		m["devices"] = devs
	case *instructions.CmdCommand:
		m["kind"] = "cmd"
		m["cmdLine"] = c.CmdLine
		m["files"] = files(c.Files)
		m["prependShell"] = c.PrependShell
	case *instructions.EntrypointCommand:
		m["kind"] = "entrypoint"
		m["cmdLine"] = c.CmdLine
		m["files"] = files(c.Files)
		m["prependShell"] = c.PrependShell
	case *instructions.HealthCheckCommand:
		m["kind"] = "healthcheck"
		h := c.Health
		m["health"] = []any{h.Test, int64(h.Interval), int64(h.Timeout), int64(h.StartPeriod), int64(h.StartInterval), h.Retries}
	case *instructions.ExposeCommand:
		m["kind"] = "expose"
		m["ports"] = c.Ports
	case *instructions.UserCommand:
		m["kind"] = "user"
		m["user"] = c.User
	case *instructions.VolumeCommand:
		m["kind"] = "volume"
		m["volumes"] = c.Volumes
	case *instructions.StopSignalCommand:
		m["kind"] = "stopsignal"
		m["signal"] = c.Signal
	case *instructions.ArgCommand:
		m["kind"] = "arg"
		m["args"] = args(c.Args)
	case *instructions.ShellCommand:
		m["kind"] = "shell"
		m["shell"] = c.Shell
	}
	return m
}

func args(a []instructions.KeyValuePairOptional) [][]any {
	out := [][]any{}
	for _, x := range a {
		out = append(out, []any{x.Key, sp(x.Value), x.DocComment})
	}
	return out
}

func expander(w string) (string, error) {
	if strings.Contains(w, "$BAD") {
		return "", errors.New("bad word " + w)
	}
	return strings.ReplaceAll(w, "$V", "val"), nil
}

func run(tc tcase) map[string]any {
	res := map[string]any{}
	ast, err := parser.Parse(bytes.NewBufferString(tc.Dockerfile))
	if err != nil {
		res["parserError"] = err.Error()
		return res
	}
	warnings := [][]any{}
	var lint *linter.Linter
	cfg := &linter.Config{}
	if tc.Check != "" {
		c, err := linter.ParseLintOptions(tc.Check)
		if err != nil {
			res["checkError"] = err.Error()
			return res
		}
		cfg = c
	}
	cfg.Warn = func(rulename, description, url, fmtmsg string, location []parser.Range) {
		warnings = append(warnings, []any{rulename, description, url, fmtmsg, rng(location)})
	}
	lint = linter.New(cfg)
	stages, metaArgs, err := instructions.Parse(ast.AST, lint)
	res["warnings"] = warnings
	if err != nil {
		res["error"] = err.Error()
		res["errorLocation"] = [][]int{}
		var el *parser.LocationError
		if errors.As(err, &el) {
			res["errorLocation"] = rng(el.Locations[0])
		}
		return res
	}
	if lerr := lint.Error(); lerr != nil {
		// The rules come in map order: sort them.
		head, list, _ := strings.Cut(lerr.Error(), ": ")
		rules := strings.Split(list, ", ")
		slices.Sort(rules)
		res["lintError"] = head + ": " + strings.Join(rules, ", ")
	}
	ma := [][]any{}
	for _, a := range metaArgs {
		ma = append(ma, []any{a.String(), args(a.Args)})
	}
	res["metaArgs"] = ma
	st := []map[string]any{}
	for _, s := range stages {
		cmds := []map[string]any{}
		for _, c := range s.Commands {
			if tc.Expand {
				var eerr error
				if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
					eerr = ex.Expand(expander)
				}
				if ex, ok := c.(instructions.SupportsSingleWordExpansionRaw); ok && eerr == nil {
					eerr = ex.ExpandRaw(expander)
				}
				if eerr != nil {
					cmds = append(cmds, map[string]any{"expandError": eerr.Error()})
					continue
				}
			}
			cmds = append(cmds, dumpCmd(c))
		}
		st = append(st, map[string]any{"name": s.Name, "baseName": s.BaseName, "platform": s.Platform, "origCmd": s.OrigCmd, "docComment": s.DocComment, "sourceCode": s.SourceCode, "location": rng(s.Location), "comments": strs(s.Comments), "commands": cmds})
	}
	res["stages"] = st
	return res
}

func main() {
	var cases []tcase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	out := []map[string]any{}
	for _, c := range cases {
		out = append(out, run(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	enc.Encode(out)
}
