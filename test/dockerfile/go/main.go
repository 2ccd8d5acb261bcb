// Command dfgolden runs buildkit v0.32.2's Dockerfile frontend
// (frontend/dockerfile/dockerfile2llb, frontend/dockerfile/builder) on test
// Dockerfiles with a stub image resolver (stub.go) and prints what it
// produces, as the reference the TypeScript converter is compared with
// (../golden.ts).
//
//	dfgolden run -in JOBS.json -stub STUB.json     one JSON line per job on stdout
//	dfgolden bench -f Dockerfile -stub STUB.json -iters K -warmup W
//
// JOBS.json is an array of jobs:
//
//	{"name": "...", "mode": "convert|build|ast|lint|outline|targets",
//	 "dockerfile": "PATH", "contextDir": "DIR" (optional),
//	 "request": {"opts": {"build-arg:A": "1", "platform": "linux/arm64", ...},
//	             "buildPlatforms": ["linux/amd64"], "files": {".dockerignore": "..."}}}
//
// Modes:
//   - convert: dockerfile2llb.Dockerfile2LLB once per target platform (none
//     given: one run with no target platform) with the dockerui.Config that
//     dockerui parses from the opts, no dockerui.Client (so no named contexts,
//     no .dockerignore), the stub resolver, a source map of the Dockerfile.
//   - build: builder.Build (the whole dockerfile.v0 frontend) against a fake
//     gateway client (gateway.go); every Solve and the result's metadata.
//   - ast: parser.Parse's node tree; lint, outline, targets: the subrequests'
//     results (DockerfileLint, Dockerfile2Outline, ListTargets).
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

type request struct {
	Opts           map[string]string `json:"opts"`
	BuildPlatforms []string          `json:"buildPlatforms"`
	Files          map[string]string `json:"files"`
}

type job struct {
	Name       string  `json:"name"`
	Mode       string  `json:"mode"`
	Dockerfile string  `json:"dockerfile"`
	ContextDir string  `json:"contextDir"`
	Request    request `json:"request"`
}

// jsonRange is parser.Range with the TypeScript field names.
type jsonPos struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}
type jsonRange struct {
	Start jsonPos `json:"start"`
	End   jsonPos `json:"end"`
}

func toJSONRanges(rs []parser.Range) []jsonRange {
	out := []jsonRange{}
	for _, r := range rs {
		out = append(out, jsonRange{Start: jsonPos{r.Start.Line, r.Start.Character}, End: jsonPos{r.End.Line, r.End.Character}})
	}
	return out
}

type jsonError struct {
	Message string `json:"message"`
	// Locations: every location the error got, first one first (parser.LocationError).
	Locations [][]jsonRange `json:"locations"`
}

func toJSONError(err error) *jsonError {
	if err == nil {
		return nil
	}
	e := &jsonError{Message: err.Error(), Locations: [][]jsonRange{}}
	var el *parser.LocationError
	if errors.As(err, &el) {
		for _, l := range el.Locations {
			e.Locations = append(e.Locations, toJSONRanges(l))
		}
	}
	return e
}

// jsonDef is a marshalled Definition: deterministic pb.Definition bytes (progress
// groups renamed), and each op's digest.
type jsonDef struct {
	Definition string   `json:"definition"`
	Digests    []string `json:"digests"`
}

// normalizeProgressGroups renames the progress groups of a definition's ops
// (COPY --link gets a random identity.NewID() as its group id) to
// "progress-group-N", N counting distinct ids in op order, so that the
// definitions of two runs (and of two languages) compare byte for byte.
// The TypeScript side does the same (test/dockerfile/ts-side.ts).
func normalizeProgressGroups(def *pb.Definition) *pb.Definition {
	def = proto.Clone(def).(*pb.Definition)
	ids := map[string]string{}
	for _, op := range def.Def {
		md := def.Metadata[digest.FromBytes(op).String()]
		if md == nil || md.ProgressGroup == nil {
			continue
		}
		id, ok := ids[md.ProgressGroup.Id]
		if !ok {
			id = fmt.Sprintf("progress-group-%d", len(ids))
			ids[md.ProgressGroup.Id] = id
		}
		md.ProgressGroup.Id = id
	}
	return def
}

func encodeDef(def *pb.Definition) (*jsonDef, error) {
	def = normalizeProgressGroups(def)
	dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(def)
	if err != nil {
		return nil, err
	}
	out := &jsonDef{Definition: base64.StdEncoding.EncodeToString(dt), Digests: []string{}}
	for _, op := range def.Def {
		out.Digests = append(out.Digests, digest.FromBytes(op).String())
	}
	return out, nil
}

func encodeState(ctx context.Context, st llb.State, co ...llb.ConstraintsOpt) (*jsonDef, error) {
	def, err := st.Marshal(ctx, co...)
	if err != nil {
		return nil, err
	}
	return encodeDef(def.ToPB())
}

func parsePlatformList(ps []string) ([]ocispecs.Platform, error) {
	var out []ocispecs.Platform
	for _, s := range ps {
		p, err := platforms.Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, platforms.Normalize(p))
	}
	if len(out) == 0 {
		out = []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}
	}
	return out, nil
}

func formatPlatform(p *ocispecs.Platform) string {
	if p == nil {
		return "default"
	}
	return platforms.FormatAll(platforms.Normalize(*p))
}

func runJob(ctx context.Context, stub *stubResolver, j job) (out map[string]any) {
	defer func() {
		if r := recover(); r != nil {
			out = map[string]any{"name": j.Name, "mode": j.Mode, "panic": fmt.Sprint(r), "stack": string(debug.Stack())}
		}
	}()
	dt, err := os.ReadFile(j.Dockerfile)
	if err != nil {
		return map[string]any{"name": j.Name, "mode": j.Mode, "error": toJSONError(err)}
	}
	var res map[string]any
	switch j.Mode {
	case "convert":
		res = runConvert(ctx, stub, dt, j.Request)
	case "build":
		res = runBuild(ctx, stub, dt, j)
	case "ast":
		res = runAST(dt)
	case "lint", "outline", "targets":
		res = runSubrequest(ctx, stub, dt, j.Mode, j.Request)
	default:
		res = map[string]any{"error": toJSONError(fmt.Errorf("unknown mode %q", j.Mode))}
	}
	res["name"] = j.Name
	res["mode"] = j.Mode
	return res
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	in := fs.String("in", "", "jobs file (JSON array)")
	stubFile := fs.String("stub", "", "stub image table")
	fs.Parse(args)
	stub, err := loadStub(*stubFile)
	if err != nil {
		return err
	}
	dt, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var jobs []job
	if err := json.Unmarshal(dt, &jobs); err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	ctx := context.Background()
	for _, j := range jobs {
		if err := enc.Encode(runJob(ctx, stub, j)); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dfgolden run|bench ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "bench":
		err = cmdBench(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dfgolden:", err)
		os.Exit(1)
	}
}
