package main

import (
	"context"

	"github.com/moby/buildkit/client/llb"
)

var mergeDiffCases = []Case{
	{
		Name: "merge-two",
		Doc:  "Merge of two images (MergeOp inputs 0,1; merge cap; no platform on the op)",
		State: func() llb.State {
			return llb.Merge([]llb.State{llb.Image("alpine:3.20"), busybox()})
		},
	},
	{
		Name: "merge-four-scratch-dup",
		Doc:  "Merge of [scratch, A, B, A]: scratch filtered out, the duplicate A is NOT deduplicated (3 merge inputs, 3 pb.Inputs)",
		State: func() llb.State {
			a := llb.Image("alpine:3.20")
			b := busybox().File(llb.Mkfile("/b", 0o644, []byte("b")))
			return llb.Merge([]llb.State{llb.Scratch(), a, b, a}, llb.WithCustomName("merge layers"))
		},
	},
	{
		Name: "merge-single-nonscratch",
		Doc:  "Merge of [scratch, A, scratch] is just A (no MergeOp)",
		State: func() llb.State {
			return llb.Merge([]llb.State{llb.Scratch(), llb.Image("alpine:3.20"), llb.Scratch()})
		},
	},
	{
		Name: "diff-states",
		Doc:  "Diff(base, base+exec) then Merge(other, diff) — the canonical diff/merge pattern",
		State: func() llb.State {
			base := busybox()
			changed := base.Run(llb.Shlex("touch /new")).Root()
			return llb.Merge([]llb.State{llb.Image("alpine:3.20"), llb.Diff(base, changed)})
		},
	},
	{
		Name: "diff-scratch-lower",
		Doc:  "Diff(scratch, upper) is upper itself (no DiffOp)",
		State: func() llb.State {
			return llb.Diff(llb.Scratch(), busybox())
		},
	},
	{
		Name: "diff-scratch-upper",
		Doc:  "Diff(lower, scratch): upper input -1, with WithCustomName",
		State: func() llb.State {
			return llb.Diff(busybox(), llb.Scratch(), llb.WithCustomName("diff to scratch"))
		},
	},
	{
		Name: "passthrough-requires",
		Doc:  "State.Requires(\"check\", dep1, dep2): PassthroughOp with 3 inputs, output map [0]",
		State: func() llb.State {
			return busybox().Requires("check", llb.Image("alpine:3.20"), llb.Local("context"))
		},
	},
	{
		Name: "passthrough-new",
		Doc:  "llb.NewPassthrough with scratch (skipped) and two outputs; state = first output; custom name",
		State: func() llb.State {
			return llb.NewPassthrough("pt-id", []llb.PassthroughInput{
				{State: llb.Scratch(), Output: true},
				{State: llb.Image("alpine:3.20")},
				{State: busybox(), Output: true},
				{State: llb.Image("debian:12"), Output: true},
			}, llb.WithCustomName("passthrough"))
		},
	},
	{
		Name: "definition-op-reimport",
		Doc:  "marshal a small graph, re-import it with llb.NewDefinitionOp and build an exec on top",
		State: func() llb.State {
			inner := busybox().File(llb.Mkdir("/inner", 0o755), llb.WithCustomName("inner mkdir"))
			def := must(inner.Marshal(context.Background(), llb.LinuxAmd64))
			op := must(llb.NewDefinitionOp(def.ToPB()))
			return llb.NewState(op).Run(llb.Shlex("ls /inner")).Root()
		},
	},
	{
		Name: "definition-op-other-platform",
		Doc:  "a linux/amd64 Definition re-imported as the gateway's Ref.ToState does (llb.NewState(defop)) and marshalled for linux/arm64: the state has no platform of its own",
		State: func() llb.State {
			inner := busybox().Run(llb.Shlex("mkdir /inner")).Root()
			def := must(inner.Marshal(context.Background(), llb.LinuxAmd64))
			op := must(llb.NewDefinitionOp(def.ToPB()))
			return llb.NewState(op).Run(llb.Shlex("uname -m")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.LinuxArm64},
	},
	{
		Name: "definition-op-output-platform",
		Doc:  "the same Definition re-imported with llb.NewState(defop.Output()): the state takes the platform of the op it points at",
		State: func() llb.State {
			inner := busybox().Run(llb.Shlex("mkdir /inner")).Root()
			def := must(inner.Marshal(context.Background(), llb.LinuxAmd64))
			op := must(llb.NewDefinitionOp(def.ToPB()))
			return llb.NewState(op.Output()).Run(llb.Shlex("uname -m")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.LinuxArm64},
	},
}
