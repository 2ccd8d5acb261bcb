package main

import (
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var imageCases = []Case{
	{
		Name:  "image-busybox",
		Doc:   "short name is normalised to docker.io/library/busybox:latest",
		State: func() llb.State { return llb.Image("busybox") },
	},
	{
		Name:  "image-tag",
		Doc:   "short name with tag (busybox:1.36)",
		State: func() llb.State { return llb.Image("busybox:1.36") },
	},
	{
		Name:  "image-docker-io-library",
		Doc:   "fully qualified docker.io/library/busybox gets :latest",
		State: func() llb.State { return llb.Image("docker.io/library/busybox") },
	},
	{
		Name:  "image-ghcr",
		Doc:   "non-Docker-Hub registry with org and tag (ghcr.io/org/img:tag)",
		State: func() llb.State { return llb.Image("ghcr.io/org/img:tag") },
	},
	{
		Name:  "image-localhost-port",
		Doc:   "registry with port (localhost:5000/x gets :latest, no library/)",
		State: func() llb.State { return llb.Image("localhost:5000/x") },
	},
	{
		Name:  "image-digest",
		Doc:   "ref with digest only: no :latest is added",
		State: func() llb.State { return llb.Image("busybox@" + string(digestA)) },
	},
	{
		Name:  "image-tag-digest",
		Doc:   "ref with tag and digest: both kept",
		State: func() llb.State { return llb.Image("busybox:1.36@" + string(digestA)) },
	},
	{
		Name: "image-resolve-modes",
		Doc:  "Merge of four images: ResolveModeDefault (emits no attr), ForcePull (attr \"pull\" + cap), PreferLocal (attr \"local\", no cap), no option",
		State: func() llb.State {
			return llb.Merge([]llb.State{
				llb.Image("alpine:3.19", llb.ResolveModeDefault),
				llb.Image("alpine:3.20", llb.ResolveModeForcePull),
				llb.Image("alpine:3.21", llb.ResolveModePreferLocal),
				llb.Image("alpine:3.22"),
			})
		},
	},
	{
		Name: "image-platform",
		Doc:  "per-image llb.Platform(linux/arm/v7) overrides the marshal platform (linux/amd64)",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.Platform(ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}))
		},
	},
	{
		Name: "image-platform-exec",
		Doc:  "exec on top of a per-image-platform image runs on the image's platform (arm64), not the marshal platform",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.LinuxArm64).Run(llb.Shlex("uname -m")).Root()
		},
	},
	{
		Name: "image-layer-limit",
		Doc:  "llb.WithLayerLimit(2): image.layerlimit attr + cap",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.WithLayerLimit(2))
		},
	},
	{
		Name: "image-checksum",
		Doc:  "llb.WithImageChecksum: image.checksum attr + cap",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.WithImageChecksum(digestC))
		},
	},
	{
		Name: "image-internal",
		Doc:  "llb.MarkImageInternal: image.recordtype=internal",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.MarkImageInternal)
		},
	},
	{
		Name: "image-custom-name",
		Doc:  "image with WithCustomName and IgnoreCache as image options",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.WithCustomName("load alpine"), llb.IgnoreCache)
		},
	},
	{
		Name: "image-meta-resolver",
		Doc:  "fake ImageMetaResolver (amd64 config): env/dir from the config applied to a following exec; ref NOT pinned (ResolveDigest false)",
		State: func() llb.State {
			return llb.Image("busybox:1.36", llb.WithMetaResolver(amd64Resolver)).
				Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "image-meta-resolver-digest",
		Doc:  "fake resolver + ResolveDigest(true): the returned digest is pinned into the ref (tag kept), env/dir applied",
		State: func() llb.State {
			return llb.Image("busybox:1.36", llb.WithMetaResolver(amd64Resolver), llb.ResolveDigest(true)).
				Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "image-meta-resolver-digested-ref",
		Doc:  "fake resolver + ResolveDigest(true) on an already digested ref: ref kept as is, config applied",
		State: func() llb.State {
			return llb.Image("busybox@"+string(digestC), llb.WithMetaResolver(amd64Resolver), llb.ResolveDigest(true)).
				Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "image-meta-resolver-platform",
		Doc:  "fake resolver returning an arm64/v8 config: the exec on top runs on linux/arm64/v8; the source op itself stays on the marshal platform; pull mode",
		State: func() llb.State {
			return llb.Image("golang:1.22", llb.WithMetaResolver(arm64Resolver), llb.ResolveDigest(true), llb.ResolveModeForcePull).
				AddEnv("CGO_ENABLED", "0").
				Run(llb.Shlex("go version")).Root()
		},
	},
	{
		Name: "image-meta-resolver-env-override",
		Doc:  "config without platform or WorkingDir: only env applied; a later AddEnv of the same key replaces it (moves it to the end)",
		State: func() llb.State {
			return llb.Image("alpine:3.20", llb.WithMetaResolver(noPlatformResolver)).
				AddEnv("ONLY", "override").
				Run(llb.Shlex("env")).Root()
		},
	},
}
