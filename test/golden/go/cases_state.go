package main

import (
	"context"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var stateCases = []Case{
	{
		Name: "state-env-order",
		Doc:  "AddEnv A, B, C then re-set A (moves to the end with the new value), AddEnvf, empty value",
		State: func() llb.State {
			return busybox().
				AddEnv("A", "1").
				AddEnv("B", "2").
				AddEnv("C", "3").
				AddEnv("A", "4").
				AddEnvf("D", "%s-%03d", "d", 7).
				AddEnv("E", "").
				Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "state-env-run-override",
		Doc:  "env set on the state and again as RunOption: the RunOption value wins and goes last",
		State: func() llb.State {
			return busybox().AddEnv("X", "state").AddEnv("Y", "y").Run(llb.Shlex("env"), llb.AddEnv("X", "run")).Root()
		},
	},
	{
		Name: "state-dir-relative-chain",
		Doc:  "Dir(\"/a\").Dir(\"b\").Dir(\"../c\") → /a/c, then Dirf(\"d%d\", 1) → /a/c/d1",
		State: func() llb.State {
			return busybox().Dir("/a").Dir("b").Dir("../c").Dirf("d%d", 1).Run(llb.Shlex("pwd")).Root()
		},
	},
	{
		Name: "state-dir-absolute-uncleaned",
		Doc:  "absolute Dir is used verbatim (not cleaned): \"/x//y/./\"",
		State: func() llb.State {
			return busybox().Dir("/x//y/./").Run(llb.Shlex("pwd")).Root()
		},
	},
	{
		Name: "state-dir-relative-on-root",
		Doc:  "relative Dir on a fresh state (dir \"/\") → \"/rel/dir\"; trailing slash removed by path.Join",
		State: func() llb.State {
			return busybox().Dir("rel/dir/").Run(llb.Shlex("pwd")).Root()
		},
	},
	{
		Name: "state-user-hostname-network-security",
		Doc:  "User, Hostname, Network(host), Security(insecure) set on the state (not as RunOptions)",
		State: func() llb.State {
			return busybox().
				User("1000:1000").
				Hostname("state-host").
				Network(llb.NetModeHost).
				Security(llb.SecurityModeInsecure).
				Run(llb.Shlex("id")).Root()
		},
	},
	{
		Name: "state-values-inherited",
		Doc:  "state values (env/dir/user) survive Run: second exec on the first's root inherits them; Dir changes between",
		State: func() llb.State {
			st := busybox().AddEnv("KEEP", "1").User("nobody").Dir("/w")
			st = st.Run(llb.Shlex("first")).Root()
			st = st.Dir("sub").Run(llb.Shlex("second")).Root()
			return st
		},
	},
	{
		Name: "state-platform",
		Doc:  "State.Platform(linux/arm64/v8) normalises to linux/arm64 for the exec; the image source keeps the marshal platform",
		State: func() llb.State {
			return busybox().Platform(ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}).Run(llb.Shlex("uname -m")).Root()
		},
	},
	{
		Name: "state-with-helpers",
		Doc:  "State.With(AddEnv, Dir, User, Hostname, Network, Security) StateOptions",
		State: func() llb.State {
			return busybox().With(
				llb.AddEnv("W", "1"),
				llb.Dir("/with"),
				llb.User("w"),
				llb.Hostname("w-host"),
				llb.Network(llb.NetModeNone),
				llb.Security(llb.SecurityModeSandbox),
			).Run(llb.Shlex("true")).Root()
		},
	},
	{
		Name: "state-reset",
		Doc:  "img.Reset(other): img's output with other's values (env/user); dir is \"/\" from NewState (kept because no platform wrapper)",
		State: func() llb.State {
			other := llb.Image("alpine:3.20").AddEnv("FROM_OTHER", "1").User("other").Dir("/other")
			return busybox().AddEnv("FROM_BUSYBOX", "1").Reset(other).Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "state-reset-platform-image",
		Doc:  "Reset on an image with a per-image platform: NewState adds a platform wrapper whose parent is replaced, so other's Dir (/other) wins and the exec runs on arm64",
		State: func() llb.State {
			other := llb.Image("alpine:3.20").AddEnv("FROM_OTHER", "1").Dir("/other")
			return llb.Image("busybox:1.36", llb.LinuxArm64).Dir("/mine").Reset(other).Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "state-async",
		Doc:  "State.Async callback adding env and dir before an exec",
		State: func() llb.State {
			return busybox().Async(func(ctx context.Context, st llb.State, c *llb.Constraints) (llb.State, error) {
				return st.AddEnv("ASYNC", "yes").Dir("/async"), nil
			}).Run(llb.Shlex("env")).Root()
		},
	},
	{
		Name: "state-marshal-defaults",
		Doc:  "SetMarshalDefaults(WithCustomName) — applied to every op, overridden by per-op custom names",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("a"), llb.WithCustomName("per-op")).Root().
				SetMarshalDefaults(llb.WithCustomName("default-name"))
		},
	},
}
