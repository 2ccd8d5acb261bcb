package main

import (
	"fmt"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// crossBuild is the same program for every target platform: a builder image
// pinned to BUILDPLATFORM linux/amd64 compiles for the target (passed as
// TARGETOS/TARGETARCH/TARGETVARIANT env), and the binary is copied into
// scratch. The case marshals it with llb.Platform(target).
func crossBuild(target ocispecs.Platform) llb.State {
	buildPlatform := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	src := llb.Local("context", llb.IncludePatterns([]string{"*.go", "go.mod", "go.sum"}))
	builder := llb.Image("docker.io/library/golang:1.22", llb.Platform(buildPlatform)).
		Dir("/src").
		AddEnv("TARGETOS", target.OS).
		AddEnv("TARGETARCH", target.Architecture).
		AddEnv("TARGETVARIANT", target.Variant).
		AddEnv("TARGETPLATFORM", fmt.Sprintf("%s/%s%s", target.OS, target.Architecture, variantSuffix(target.Variant))).
		Run(
			llb.Shlex("go build -o /out/app ."),
			llb.AddMount("/src", src, llb.Readonly),
			llb.AddMount("/root/.cache/go-build", llb.Scratch(), llb.AsPersistentCacheDir("go-build", llb.CacheMountShared)),
		).Root()
	return llb.Scratch().File(llb.Copy(builder, "/out/app", "/app"))
}

func variantSuffix(v string) string {
	if v == "" {
		return ""
	}
	return "/" + v
}

var platformCases = []Case{
	{
		Name:  "platform-cross-linux-amd64",
		Doc:   "cross build program (see crossBuild) marshalled for linux/amd64",
		State: func() llb.State { return crossBuild(ocispecs.Platform{OS: "linux", Architecture: "amd64"}) },
		Opts:  []llb.ConstraintsOpt{llb.LinuxAmd64},
	},
	{
		Name:  "platform-cross-linux-arm64",
		Doc:   "cross build program marshalled for linux/arm64",
		State: func() llb.State { return crossBuild(ocispecs.Platform{OS: "linux", Architecture: "arm64"}) },
		Opts:  []llb.ConstraintsOpt{llb.LinuxArm64},
	},
	{
		Name: "platform-cross-linux-arm-v7",
		Doc:  "cross build program marshalled for linux/arm/v7",
		State: func() llb.State {
			return crossBuild(ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"})
		},
		Opts: []llb.ConstraintsOpt{llb.LinuxArmhf},
	},
	{
		Name: "platform-marshal-arm64",
		Doc:  "marshal-level LinuxArm64: image source, exec and the file op's (absent) platform",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("uname -m")).Root().File(llb.Mkdir("/x", 0o755))
		},
		Opts: []llb.ConstraintsOpt{llb.LinuxArm64},
	},
	{
		Name: "platform-os-version-features",
		Doc:  "per-image platform with OSVersion and OSFeatures (windows) and a marshal platform linux/s390x for a second image",
		State: func() llb.State {
			win := llb.Image("mcr.microsoft.com/windows/servercore:ltsc2022", llb.Platform(ocispecs.Platform{
				OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2113", OSFeatures: []string{"win32k"},
			}))
			return llb.Merge([]llb.State{win, llb.Image("alpine:3.20")})
		},
		Opts: []llb.ConstraintsOpt{llb.LinuxS390x},
	},
	{
		Name: "platform-run-option",
		Doc:  "llb.Platform as a RunOption pins the exec's platform (linux/riscv64) regardless of the state",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("uname -m"), llb.LinuxRiscv64).Root()
		},
	},
}
