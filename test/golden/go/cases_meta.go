package main

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

var metaCases = []Case{
	{
		Name: "meta-worker-constraints",
		Doc:  "llb.Require worker filters on an op (Op.constraints.filter) plus a marshal-level Require (prepended to every op)",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("true"), llb.Require("label:gpu==true", "os==linux")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.Require("global==1")},
	},
	{
		Name: "meta-marshal-level",
		Doc:  "marshal-level WithDescription, IgnoreCache, WithExportCache applied to every op; terminal op gets meta.* caps",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("true")).Root()
		},
		Opts: []llb.ConstraintsOpt{
			llb.WithDescription(map[string]string{"global": "yes"}),
			llb.IgnoreCache,
			llb.WithExportCache(),
		},
	},
	{
		Name: "meta-description-merge",
		Doc:  "two WithDescription calls merged; WithCustomName then WithDescription overriding llb.customname",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("true"),
				llb.WithDescription(map[string]string{"a": "1", "b": "2"}),
				llb.WithCustomName("first"),
				llb.WithDescription(map[string]string{"b": "3", "llb.customname": "second"}),
			).Root()
		},
	},
	{
		Name: "meta-without-default-export-cache",
		Doc:  "WithExportCache then WithoutDefaultExportCache resets it to nil (no export cache)",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("true"), llb.WithExportCache(), llb.WithoutDefaultExportCache()).Root()
		},
	},
	{
		Name: "meta-same-op-two-vertices",
		Doc:  "two identical Image vertices with different descriptions end up as one op whose metadata merges both descriptions",
		State: func() llb.State {
			a := llb.Image("alpine:3.20", llb.WithDescription(map[string]string{"from": "a", "a": "1"}))
			b := llb.Image("alpine:3.20", llb.WithDescription(map[string]string{"from": "b", "b": "1"}))
			return busybox().Run(
				llb.Shlex("true"),
				llb.AddMount("/a", a, llb.Readonly),
				llb.AddMount("/b", b, llb.Readonly),
			).Root()
		},
	},
	{
		Name: "meta-integer-like-keys",
		Doc:  "description keys \"2\", \"10\", \"1\", \"007\", \"-1\", \"\" (empty key and empty value) — sorted bytewise in the encoding",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("true"), llb.WithDescription(map[string]string{
				"2": "two", "10": "ten", "1": "one", "007": "bond", "-1": "minus", "": "", "empty-value": "",
			})).Root()
		},
	},
	{
		Name: "meta-caps-marshal-no-exec",
		Doc:  "WithCaps(all) on a graph without execs changes nothing but is accepted",
		State: func() llb.State {
			return busybox().File(llb.Mkdir("/x", 0o755))
		},
		Opts: []llb.ConstraintsOpt{llb.WithCaps(pb.Caps.CapSet(pb.Caps.All()))},
	},
}

var sourceMapCases = []Case{
	{
		Name: "sourcemap-basic",
		Doc:  "NewSourceMap(nil, \"build.ts\", \"typescript\", data) with one Location range on an exec",
		State: func() llb.State {
			sm := llb.NewSourceMap(nil, "build.ts", "typescript", []byte("const a = 1;\nrun('make');\n"))
			return busybox().Run(llb.Shlex("make"), sm.Location([]*pb.Range{rng(2, 0, 2, 11)})).Root()
		},
	},
	{
		Name: "sourcemap-multi",
		Doc:  "two source maps, several locations on one op (two Location calls, one with two ranges), locations on the image and a file op",
		State: func() llb.State {
			ts := llb.NewSourceMap(nil, "build.ts", "typescript", []byte("line1\nline2\nline3\nline4\n"))
			df := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", []byte("FROM busybox\nRUN make\n"))
			st := llb.Image("busybox:1.36", df.Location([]*pb.Range{rng(1, 0, 1, 12)}))
			st = st.Run(
				llb.Shlex("make"),
				ts.Location([]*pb.Range{rng(2, 0, 2, 5), rng(4, 1, 4, 3)}),
				df.Location([]*pb.Range{rng(2, 0, 2, 8)}),
			).Root()
			return st.File(llb.Mkdir("/out", 0o755), ts.Location([]*pb.Range{rng(3, 0, 3, 5)}))
		},
	},
	{
		Name: "sourcemap-equal-maps-dedup",
		Doc:  "two distinct *SourceMap values with equal filename/lang/data share one SourceInfo index",
		State: func() llb.State {
			sm1 := llb.NewSourceMap(nil, "build.ts", "typescript", []byte("same"))
			sm2 := llb.NewSourceMap(nil, "build.ts", "typescript", []byte("same"))
			return busybox().
				Run(llb.Shlex("one"), sm1.Location([]*pb.Range{rng(1, 0, 1, 4)})).Root().
				Run(llb.Shlex("two"), sm2.Location([]*pb.Range{rng(1, 1, 1, 2)})).Root()
		},
	},
	{
		Name: "sourcemap-duplicate-vertex",
		Doc:  "two distinct vertices with the same digest and a location each: the op appears once but its Locations list has both entries",
		State: func() llb.State {
			sm := llb.NewSourceMap(nil, "build.ts", "typescript", []byte("x\ny\n"))
			a := llb.Image("alpine:3.20", sm.Location([]*pb.Range{rng(1, 0, 1, 1)}))
			b := llb.Image("alpine:3.20", sm.Location([]*pb.Range{rng(2, 0, 2, 1)}))
			return llb.Merge([]llb.State{a, busybox(), b})
		},
	},
	{
		Name: "sourcemap-with-definition",
		Doc:  "NewSourceMap with a State: the state is marshalled (with the same marshal options) into SourceInfo.definition",
		State: func() llb.State {
			frontendImg := llb.Image("docker/dockerfile:1.7")
			sm := llb.NewSourceMap(&frontendImg, "Dockerfile", "Dockerfile", []byte("FROM busybox\n"))
			return busybox().Run(llb.Shlex("true"), sm.Location([]*pb.Range{rng(1, 0, 1, 12)})).Root()
		},
	},
	{
		Name: "sourcemap-empty-ranges",
		Doc:  "Location(nil) and a zero Range (positions 0) still record a location",
		State: func() llb.State {
			sm := llb.NewSourceMap(nil, "", "", nil)
			return busybox().Run(llb.Shlex("true"), sm.Location(nil), sm.Location([]*pb.Range{{}})).Root()
		},
	},
}
