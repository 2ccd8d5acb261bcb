package main

import (
	"context"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// Fixed digests used by several cases (64 hex chars each).
const (
	digestA = digest.Digest("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	digestB = digest.Digest("sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	digestC = digest.Digest("sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc")
)

// fixedTime is used for every WithCreatedTime option:
// 2023-11-14T22:13:20.123456789Z = 1700000000123456789 ns since the epoch.
var fixedTime = time.Unix(1700000000, 123456789).UTC()

// fakeResolver is an llb.ImageMetaResolver that never touches the network.
// It returns the ref it was asked for unchanged, a fixed digest and a fixed
// image config, whatever the platform or resolve mode.
type fakeResolver struct {
	digest digest.Digest
	config string
}

func (r fakeResolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, r.digest, []byte(r.config), nil
}

// amd64Resolver: linux/amd64 config with env (incl. an empty value and an
// entry without '='), a working dir and a user (the user is NOT applied by
// llb.Image; see CASES.md "Quirks").
var amd64Resolver = fakeResolver{
	digest: digestA,
	config: `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8","EMPTY=","NOEQUALS","A=b=c"],"WorkingDir":"/srv/app","User":"nobody"}}`,
}

// arm64Resolver: linux/arm64/v8 config; the state's platform becomes
// linux/arm64/v8, which is used by execs on top of it.
var arm64Resolver = fakeResolver{
	digest: digestB,
	config: `{"architecture":"arm64","variant":"v8","os":"linux","config":{"Env":["PATH=/usr/bin:/bin","GOARCH=arm64"],"WorkingDir":"/work"}}`,
}

// noPlatformResolver: config without os/architecture and without a working
// dir: only the env is applied (Dir("") is a no-op, the platform is kept).
var noPlatformResolver = fakeResolver{
	digest: digestC,
	config: `{"config":{"Env":["ONLY=env"]}}`,
}

// rng builds a source range from 1-based line numbers and 0-based columns.
func rng(startLine, startChar, endLine, endChar int32) *pb.Range {
	return &pb.Range{
		Start: &pb.Position{Line: startLine, Character: startChar},
		End:   &pb.Position{Line: endLine, Character: endChar},
	}
}

func strPtr(s string) *string { return &s }

// must panics on error; used by the few cases that marshal a sub-graph.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// busybox is the base image used by most exec/file cases.
func busybox() llb.State {
	return llb.Image("docker.io/library/busybox:1.36")
}
