package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"google.golang.org/protobuf/proto"
)

// cmdBench times Dockerfile2LLB + Marshal + deterministic encoding of one
// Dockerfile (the benchmark's), in-process, and prints one JSON line:
// {"ops": N, "bytes": B, "medianNs": ..., "minNs": ...}.
func cmdBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	file := fs.String("f", "", "Dockerfile")
	stubFile := fs.String("stub", "", "stub image table")
	iters := fs.Int("iters", 20, "timed iterations")
	warmup := fs.Int("warmup", 5, "untimed iterations first")
	fs.Parse(args)
	stub, err := loadStub(*stubFile)
	if err != nil {
		return err
	}
	dt, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	base, targets, err := baseConvertOpt(stub, dt, request{})
	if err != nil {
		return err
	}
	ctx := context.Background()
	var times []int64
	ops, size := 0, 0
	for i := 0; i < *warmup+*iters; i++ {
		t0 := time.Now()
		opt := base
		opt.BuildArgs = maps.Clone(base.BuildArgs)
		opt.TargetPlatform = targets[0]
		res, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, opt)
		if err != nil {
			return err
		}
		def, err := res.State.Marshal(ctx, marshalOpts()...)
		if err != nil {
			return err
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
		if err != nil {
			return err
		}
		d := time.Since(t0).Nanoseconds()
		ops, size = len(def.Def), len(b)
		if i >= *warmup {
			times = append(times, d)
		}
	}
	slices.Sort(times)
	med := times[len(times)/2]
	if len(times)%2 == 0 {
		med = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	out, _ := json.Marshal(map[string]any{"ops": ops, "bytes": size, "medianNs": med, "minNs": times[0]})
	fmt.Println(string(out))
	return nil
}
