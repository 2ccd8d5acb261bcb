package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"sort"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// baseConvertOpt is the ConvertOpt of the convert/lint/outline/targets modes
// and of the benchmark: dockerui's Config parsed from the request's opts (by
// dockerui.NewClient over the fake gateway), no Client, every LLB cap, the stub resolver and
// a source map of the Dockerfile named "Dockerfile" (language "Dockerfile"). It also returns the
// target platforms (one nil entry when the opts give none).
func baseConvertOpt(stub *stubResolver, dt []byte, req request) (dockerfile2llb.ConvertOpt, []*ocispecs.Platform, error) {
	g, err := newFakeGateway(stub, dt, "", req)
	if err != nil {
		return dockerfile2llb.ConvertOpt{}, nil, err
	}
	bc, err := dockerui.NewClient(g)
	if err != nil {
		return dockerfile2llb.ConvertOpt{}, nil, err
	}
	// The source map's state and definition: llb.Local("dockerfile") marshalled with no options
	// (dockerui attaches its own local of the Dockerfile; the lint subrequest needs a definition).
	src := llb.Local("dockerfile")
	srcDef, err := src.Marshal(context.Background(), marshalOpts()...)
	if err != nil {
		return dockerfile2llb.ConvertOpt{}, nil, err
	}
	sm := llb.NewSourceMap(&src, "Dockerfile", "Dockerfile", dt)
	sm.Definition = srcDef
	// Every LLB cap, as a current daemon reports them (dockerfile2llb needs a cap set when there is no Client).
	caps := pb.Caps.CapSet(pb.Caps.All())
	opt := dockerfile2llb.ConvertOpt{
		Config:       bc.Config,
		SourceMap:    sm,
		MetaResolver: stub,
		LLBCaps:      &caps,
	}
	targets := []*ocispecs.Platform{nil}
	if len(bc.TargetPlatforms) > 0 {
		targets = nil
		for i := range bc.TargetPlatforms {
			targets = append(targets, &bc.TargetPlatforms[i])
		}
	}
	return opt, targets, nil
}

// marshalOpts: the host's platform as the default one (as builder.Build's Marshal(ctx) on
// linux/amd64), and a fixed local.unique for the locals without a session (here the
// default main context), which Go would otherwise make random.
func marshalOpts() []llb.ConstraintsOpt {
	return []llb.ConstraintsOpt{llb.LinuxAmd64, llb.LocalUniqueID("golden-unique")}
}

type warningRecorder struct {
	list []map[string]any
}

func (w *warningRecorder) warn(rulename, description, url, msg string, location []parser.Range) {
	w.list = append(w.list, map[string]any{"rule": rulename, "description": description, "url": url, "msg": msg, "ranges": toJSONRanges(location)})
}

func rawJSON(v any) json.RawMessage {
	dt, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`"marshal error: ` + err.Error() + `"`)
	}
	return dt
}

func runConvert(ctx context.Context, stub *stubResolver, dt []byte, req request) map[string]any {
	base, targets, err := baseConvertOpt(stub, dt, req)
	if err != nil {
		return map[string]any{"error": toJSONError(err), "stage": "config"}
	}
	warnings := &warningRecorder{list: []map[string]any{}}
	results := []map[string]any{}
	out := map[string]any{"results": results, "warnings": warnings.list}
	for i, tp := range targets {
		opt := base
		opt.BuildArgs = maps.Clone(base.BuildArgs)
		opt.TargetPlatform = tp
		if i == 0 {
			opt.Warn = warnings.warn
		}
		res, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, opt)
		out["warnings"] = warnings.list
		if err != nil {
			out["error"] = toJSONError(err)
			out["platform"] = formatPlatform(tp)
			return out
		}
		def, err := encodeState(ctx, res.State, marshalOpts()...)
		if err != nil {
			out["error"] = toJSONError(err)
			out["platform"] = formatPlatform(tp)
			out["stage"] = "marshal"
			return out
		}
		r := map[string]any{
			"platform":      formatPlatform(tp),
			"definition":    def,
			"image":         rawJSON(res.Image),
			"baseImage":     nil,
			"epoch":         nil,
			"isIgnoreCache": res.IsIgnoreCache,
		}
		if res.BaseImage != nil {
			r["baseImage"] = rawJSON(res.BaseImage)
		}
		if res.Epoch != nil {
			r["epoch"] = res.Epoch.Unix()
		}
		results = append(results, r)
		out["results"] = results
	}
	return out
}

func runBuild(ctx context.Context, stub *stubResolver, dt []byte, j job) map[string]any {
	g, err := newFakeGateway(stub, dt, j.ContextDir, j.Request)
	if err != nil {
		return map[string]any{"error": toJSONError(err)}
	}
	res, err := builder.Build(ctx, g)
	out := map[string]any{"solves": g.sortedSolves()}
	g.mu.Lock()
	out["warnings"] = append([]map[string]any{}, g.warnings...)
	g.mu.Unlock()
	if err != nil {
		out["error"] = toJSONError(err)
		sources := []map[string]any{}
		for _, s := range errdefs.Sources(err) {
			ranges := []jsonRange{}
			for _, r := range s.Ranges {
				ranges = append(ranges, jsonRange{Start: jsonPos{int(r.Start.Line), int(r.Start.Character)}, End: jsonPos{int(r.End.Line), int(r.End.Character)}})
			}
			sources = append(sources, map[string]any{"filename": s.Info.Filename, "ranges": ranges})
		}
		out["sources"] = sources
		return out
	}
	md := map[string]string{}
	for k, v := range res.Metadata {
		md[k] = textOrBase64(v)
	}
	refs := []string{}
	for k := range res.Refs {
		refs = append(refs, k)
	}
	sort.Strings(refs)
	out["metadata"] = md
	out["refs"] = refs
	out["ref"] = res.Ref != nil
	if len(res.Attestations) > 0 {
		atts := map[string]any{}
		for k, as := range res.Attestations {
			list := []map[string]any{}
			for _, a := range as {
				amd := map[string]string{}
				for mk, mv := range a.Metadata {
					amd[mk] = textOrBase64(mv)
				}
				list = append(list, map[string]any{"kind": a.Kind.String(), "metadata": amd, "path": a.Path, "predicateType": a.InToto.PredicateType, "subjects": len(a.InToto.Subjects), "ref": a.Ref != nil})
			}
			atts[k] = list
		}
		out["attestations"] = atts
	}
	return out
}

type nodeJSON struct {
	Value       string          `json:"value"`
	Next        *nodeJSON       `json:"next"`
	Children    []*nodeJSON     `json:"children"`
	Heredocs    []heredocJSON   `json:"heredocs"`
	Attributes  map[string]bool `json:"attributes"`
	Original    string          `json:"original"`
	Flags       []string        `json:"flags"`
	StartLine   int             `json:"startLine"`
	EndLine     int             `json:"endLine"`
	PrevComment []string        `json:"prevComment"`
}

type heredocJSON struct {
	Name           string `json:"name"`
	FileDescriptor uint   `json:"fileDescriptor"`
	Expand         bool   `json:"expand"`
	Chomp          bool   `json:"chomp"`
	Content        string `json:"content"`
}

func toNodeJSON(n *parser.Node) *nodeJSON {
	if n == nil {
		return nil
	}
	out := &nodeJSON{
		Value:       n.Value,
		Next:        toNodeJSON(n.Next),
		Children:    []*nodeJSON{},
		Heredocs:    []heredocJSON{},
		Attributes:  map[string]bool{},
		Original:    n.Original,
		Flags:       []string{},
		StartLine:   n.StartLine,
		EndLine:     n.EndLine,
		PrevComment: []string{},
	}
	for _, c := range n.Children {
		out.Children = append(out.Children, toNodeJSON(c))
	}
	for _, h := range n.Heredocs {
		out.Heredocs = append(out.Heredocs, heredocJSON{h.Name, h.FileDescriptor, h.Expand, h.Chomp, h.Content})
	}
	maps.Copy(out.Attributes, n.Attributes)
	out.Flags = append(out.Flags, n.Flags...)
	out.PrevComment = append(out.PrevComment, n.PrevComment...)
	return out
}

func runAST(dt []byte) map[string]any {
	res, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return map[string]any{"error": toJSONError(err)}
	}
	warnings := []map[string]any{}
	for _, w := range res.Warnings {
		detail := []string{}
		for _, d := range w.Detail {
			detail = append(detail, string(d))
		}
		var loc any
		if w.Location != nil {
			loc = toJSONRanges([]parser.Range{*w.Location})[0]
		}
		warnings = append(warnings, map[string]any{"short": w.Short, "detail": detail, "url": w.URL, "location": loc})
	}
	return map[string]any{"ast": toNodeJSON(res.AST), "escapeToken": string(res.EscapeToken), "warnings": warnings}
}

func runSubrequest(ctx context.Context, stub *stubResolver, dt []byte, mode string, req request) map[string]any {
	opt, targets, err := baseConvertOpt(stub, dt, req)
	if err != nil {
		return map[string]any{"error": toJSONError(err), "stage": "config"}
	}
	opt.TargetPlatform = targets[0]
	var res any
	switch mode {
	case "lint":
		res, err = dockerfile2llb.DockerfileLint(ctx, dt, opt)
	case "outline":
		res, err = dockerfile2llb.Dockerfile2Outline(ctx, dt, opt)
	case "targets":
		res, err = dockerfile2llb.ListTargets(ctx, dt)
	}
	if err != nil {
		return map[string]any{"error": toJSONError(err)}
	}
	return map[string]any{"result": rawJSON(res)}
}
