package main

// A fake gateway client for builder.Build: Solve records each request and
// returns a ref that reads the job's files (request.files, then contextDir on
// disk; "Dockerfile" is the job's Dockerfile), ResolveImageConfig uses the
// stub table, no inputs, every LLB and gateway capability.

import (
	"context"
	"encoding/base64"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"github.com/pkg/errors"
	fstypes "github.com/tonistiigi/fsutil/types"
)

type fakeGateway struct {
	stub  *stubResolver
	bopts client.BuildOpts
	files map[string][]byte
	dir   string

	mu       sync.Mutex
	solves   []map[string]any
	warnings []map[string]any
}

func newFakeGateway(stub *stubResolver, dockerfile []byte, contextDir string, req request) (*fakeGateway, error) {
	workers, err := parsePlatformList(req.BuildPlatforms)
	if err != nil {
		return nil, err
	}
	opts := map[string]string{}
	for k, v := range req.Opts {
		opts[k] = v
	}
	files := map[string][]byte{}
	for k, v := range req.Files {
		files[k] = []byte(v)
	}
	name := opts["filename"]
	if name == "" {
		name = "Dockerfile"
	}
	files[name] = dockerfile
	return &fakeGateway{
		stub: stub,
		bopts: client.BuildOpts{
			Opts:      opts,
			SessionID: "golden-session",
			Workers:   []client.WorkerInfo{{ID: "golden-worker", Platforms: workers}},
			Product:   "buildkit",
			LLBCaps:   pb.Caps.CapSet(pb.Caps.All()),
			Caps:      gwpb.Caps.CapSet(gwpb.Caps.All()),
		},
		files: files,
		dir:   contextDir,
	}, nil
}

func (g *fakeGateway) Solve(ctx context.Context, req client.SolveRequest) (*client.Result, error) {
	rec := map[string]any{}
	if req.Definition != nil {
		d, err := encodeDef(req.Definition)
		if err != nil {
			return nil, err
		}
		rec["definition"] = d
	}
	if req.Frontend != "" {
		rec["frontend"] = req.Frontend
		rec["frontendOpt"] = req.FrontendOpt
	}
	if len(req.CacheImports) > 0 {
		rec["cacheImports"] = req.CacheImports
	}
	g.mu.Lock()
	g.solves = append(g.solves, rec)
	g.mu.Unlock()
	res := client.NewResult()
	if req.Definition != nil {
		res.SetRef(&fakeRef{g: g})
	}
	return res, nil
}

func (g *fakeGateway) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return g.stub.ResolveImageConfig(ctx, ref, opt)
}

func (g *fakeGateway) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	if ref, ok := strings.CutPrefix(op.Identifier, "docker-image://"); ok {
		_, dgst, dt, err := g.stub.ResolveImageConfig(ctx, ref, opt)
		if err != nil {
			return nil, err
		}
		return &sourceresolver.MetaResponse{Op: op, Image: &sourceresolver.ResolveImageResponse{Digest: dgst, Config: dt}}, nil
	}
	return &sourceresolver.MetaResponse{Op: op}, nil
}

func (g *fakeGateway) BuildOpts() client.BuildOpts { return g.bopts }

func (g *fakeGateway) Inputs(ctx context.Context) (map[string]llb.State, error) {
	return map[string]llb.State{}, nil
}

func (g *fakeGateway) NewContainer(ctx context.Context, req client.NewContainerRequest) (client.Container, error) {
	return nil, errors.New("containers are not supported by the golden gateway")
}

func (g *fakeGateway) Warn(ctx context.Context, dgst digest.Digest, msg string, opts client.WarnOpts) error {
	detail := []string{}
	for _, d := range opts.Detail {
		detail = append(detail, string(d))
	}
	ranges := []jsonRange{}
	for _, r := range opts.Range {
		ranges = append(ranges, jsonRange{Start: jsonPos{int(r.Start.Line), int(r.Start.Character)}, End: jsonPos{int(r.End.Line), int(r.End.Character)}})
	}
	g.mu.Lock()
	g.warnings = append(g.warnings, map[string]any{"vertex": dgst.String(), "msg": msg, "level": opts.Level, "url": opts.URL, "detail": detail, "ranges": ranges})
	g.mu.Unlock()
	return nil
}

// sortedSolves: platforms are solved in parallel, so the record is sorted to be stable.
func (g *fakeGateway) sortedSolves() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := append([]map[string]any(nil), g.solves...)
	sort.SliceStable(out, func(i, j int) bool { return solveKey(out[i]) < solveKey(out[j]) })
	return out
}

func solveKey(m map[string]any) string {
	if d, ok := m["definition"].(*jsonDef); ok {
		return "d" + d.Definition
	}
	f, _ := m["frontend"].(string)
	return "f" + f
}

type fakeRef struct {
	g *fakeGateway
}

func (r *fakeRef) ToState() (llb.State, error) { return llb.Scratch(), nil }

func (r *fakeRef) Evaluate(ctx context.Context) error { return nil }

func (r *fakeRef) read(name string) ([]byte, error) {
	name = path.Clean("/" + name)[1:]
	if dt, ok := r.g.files[name]; ok {
		return dt, nil
	}
	if r.g.dir != "" {
		dt, err := os.ReadFile(filepath.Join(r.g.dir, name))
		if err == nil {
			return dt, nil
		}
	}
	return nil, errors.Errorf("open %s: no such file or directory", name)
}

func (r *fakeRef) ReadFile(ctx context.Context, req client.ReadRequest) ([]byte, error) {
	dt, err := r.read(req.Filename)
	if err != nil {
		return nil, err
	}
	if req.Range != nil {
		start := min(req.Range.Offset, len(dt))
		end := min(start+req.Range.Length, len(dt))
		dt = dt[start:end]
	}
	return dt, nil
}

func (r *fakeRef) StatFile(ctx context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	dt, err := r.read(req.Path)
	if err != nil {
		return nil, err
	}
	return &fstypes.Stat{Path: path.Base(req.Path), Mode: 0o644, Size: int64(len(dt))}, nil
}

func (r *fakeRef) ReadDir(ctx context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error) {
	var out []*fstypes.Stat
	if r.g.dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(filepath.Join(r.g.dir, req.Path))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		mode := uint32(info.Mode().Perm())
		if e.Type()&fs.ModeDir != 0 {
			mode |= uint32(fs.ModeDir)
		}
		out = append(out, &fstypes.Stat{Path: e.Name(), Mode: mode, Size: info.Size()})
	}
	return out, nil
}

// textOrBase64 prints metadata values: UTF-8 text as is, anything else as "base64:...".
func textOrBase64(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return "base64:" + base64.StdEncoding.EncodeToString(b)
}
