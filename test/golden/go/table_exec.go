package main

// The graphs of src/llb/exec.test.ts that are checked against Go, one-to-one: `golden table exec`
// gives [name, terminal op digest] (marshalled with LinuxAmd64 + LocalUniqueID("u"), then the
// case's own options from execTableOpts) for each case named in test/golden/tables/exec.json.

import (
	"context"
	"fmt"
	"net"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	apicapspb "github.com/moby/buildkit/util/apicaps/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// execSrc is src(name) of exec.test.ts: a scratch exec's root.
func execSrc(name string) llb.State {
	return llb.Scratch().Run(llb.Shlex("gen "+name), llb.Dir("/")).Root()
}

// execCaps is MarshalOptions.caps of exec.test.ts: the daemon's caps, these enabled.
func execCaps(ids ...apicaps.CapID) llb.ConstraintsOpt {
	caps := []*apicapspb.APICap{}
	for _, id := range ids {
		caps = append(caps, &apicapspb.APICap{ID: string(id), Enabled: true})
	}
	return llb.WithCaps(pb.Caps.CapSet(caps))
}

func execEnvState(ssh bool) llb.State {
	opts := []llb.RunOption{llb.Shlex("env")}
	if ssh {
		opts = append(opts, llb.AddSSHSocket())
	}
	return execSrc("b").AddEnv("FOO", "bar").Run(opts...).Root()
}

var arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}

// execTableOpts are the cases' own marshal options, after the defaults.
var execTableOpts = map[string][]llb.ConstraintsOpt{
	"caps-empty-ssh": {execCaps()},
	"caps-known":     {execCaps(pb.CapExecMetaSetsDefaultPath)},
	"caps-windows":   {llb.Platform(ocispecs.Platform{OS: "windows", Architecture: "amd64"}), execCaps()},
}

var execTableCases = map[string]func() llb.State{
	"caps-empty-ssh": func() llb.State { return execEnvState(true) },
	"caps-known":     func() llb.State { return execEnvState(false) },
	"caps-windows": func() llb.State {
		return execSrc("b").Run(llb.Shlex("cmd")).Root()
	},
	"platform-from-state": func() llb.State {
		return llb.Scratch().Platform(arm64).Run(llb.Shlex("uname"), llb.ValidExitCodes()).Root()
	},
	"platform-from-run": func() llb.State {
		es := llb.Scratch().Run(llb.Shlex("uname"), llb.Platform(arm64))
		return es.AddMount("/o", llb.Scratch()).Run(llb.Shlex("next")).Root()
	},
	"shlex-error": func() llb.State {
		return llb.Scratch().Run(llb.Shlex(`echo ok "unterminated`)).Root()
	},
	"many-mounts": func() llb.State {
		opts := []llb.RunOption{llb.Shlex("many")}
		for i := 0; i < 25; i++ {
			opts = append(opts, llb.AddMount(fmt.Sprintf("/m%d", (i*7)%4), execSrc(fmt.Sprintf("s%d", i))))
		}
		es := llb.Scratch().Run(opts...)
		return es.AddMount("/m1", execSrc("late"))
	},
	"run-keeps-state": func() llb.State {
		st := llb.Scratch().Dir("/orig").Run(llb.Shlex("a"), llb.Dir("/other"), llb.AddEnv("X", "1")).Root()
		return st.Run(llb.Shlex("b")).Root()
	},
	"args-env-dirs-user": func() llb.State {
		return llb.Scratch().Run(
			llb.Shlex(`sh -c "echo \"a\\b\" \x" 'y' #c`),
			llb.AddEnv("A", "1"), llb.AddEnv("B", "2"), llb.AddEnv("A", "3"),
			llb.Dir("/src"), llb.Dir("sub"),
			llb.User("u:g"),
		).Root()
	},
	"mounts": func() llb.State {
		base := execSrc("base")
		es := base.Run(
			llb.Shlex("true"),
			llb.AddMount("/z", execSrc("z")),
			llb.AddMount("/ro", execSrc("ro"), llb.Readonly, llb.ContentCache(llb.MountContentCacheOn)),
			llb.AddMount("/sel", execSrc("sel"), llb.SourcePath("/etc"), llb.ContentCache(llb.MountContentCacheOff)),
			llb.AddMount("/nout", execSrc("z"), llb.ForceNoOutput),
			llb.AddMount("/cache1", llb.Scratch(), llb.AsPersistentCacheDir("c1", llb.CacheMountShared)),
			llb.AddMount("/cache2", execSrc("seed"), llb.AsPersistentCacheDir("c2", llb.CacheMountPrivate)),
			llb.AddMount("/cache3", llb.Scratch(), llb.AsPersistentCacheDir("c3", llb.CacheMountLocked)),
			llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
			llb.AddMount("/shm", llb.Scratch(), llb.Tmpfs(llb.TmpfsSize(64<<20))),
			llb.AddMount("/base", base, llb.Readonly),
			llb.AddMount("/a", llb.Scratch()),
		)
		out := es.AddMount("/out", llb.Scratch())
		a := es.GetMount("/a")
		z := es.GetMount("/z")
		second := es.Root().Run(
			llb.Shlex("use"),
			llb.AddMount("/in", out, llb.Readonly),
			llb.AddMount("/in2", a),
			llb.AddMount("/in3", z),
			llb.AddMount("/in4", out),
		)
		return second.AddMount("/x", es.GetMount("/ro"))
	},
	"secrets-ssh": func() llb.State {
		return execSrc("b").Run(
			llb.Shlex("x"),
			llb.AddSecret("/run/secrets/npmrc", llb.SecretID("npmrc"), llb.SecretFileOpt(1000, 1001, 0o440), llb.SecretOptional),
			llb.AddSecretWithDest("TOKEN", nil, llb.SecretAsEnvName("TOKEN")),
			llb.AddSecretWithDest("gh", nil, llb.SecretAsEnvName("GH_TOKEN"), llb.SecretOptional),
			llb.AddSecretWithDest("both", strPtr("/run/both"), llb.SecretAsEnvName("BOTH")),
			llb.AddSecretWithDest("none", nil),
			llb.AddSSHSocket(),
			llb.AddSSHSocket(llb.SSHID("k"), llb.SSHSocketTarget("/run/ssh.sock"), llb.SSHOptional),
			llb.AddSSHSocket(llb.SSHSocketOpt("", 1000, 1001, 0o660)),
			llb.AddMount("/zzz", llb.Scratch()),
		).Root()
	},
	"meta": func() llb.State {
		return execSrc("b").Run(
			llb.Shlex("x"),
			llb.Hostname("h"),
			llb.Network(pb.NetMode_HOST),
			llb.Security(pb.SecurityMode_INSECURE),
			llb.AddExtraHost("v4", net.ParseIP("10.0.0.5")),
			llb.AddExtraHost("v6", net.ParseIP("2001:db8:0:0::1")),
			llb.AddExtraHost("v6b", net.ParseIP("1:0:0:2:0:0:0:3")),
			llb.AddExtraHost("m", net.ParseIP("::ffff:1.2.3.4")),
			llb.AddExtraHost("e", net.ParseIP("::1.2.3.4")),
			llb.AddExtraHost("bad", net.ParseIP("01.2.3.4")),
			llb.AddUlimit(llb.UlimitNofile, 1024, 4096),
			llb.AddUlimit(llb.UlimitNproc, -1, -1),
			llb.WithCgroupParent("/cg"),
			llb.ValidExitCodes(0, 1, 255),
			llb.WithProxy(llb.ProxyEnv{HTTPProxy: "hp", NoProxy: "np"}),
			llb.AddCDIDevice(llb.CDIDeviceName("nvidia.com/gpu=all")),
			llb.AddCDIDevice(llb.CDIDeviceName("v/d=1"), llb.CDIDeviceOptional),
			llb.WithLinuxResources(llb.LinuxResources{Memory: 1 << 30}),
			llb.WithCustomName("meta"),
			llb.IgnoreCache,
		).Root()
	},
	"readonly-rootfs": func() llb.State {
		es := execSrc("b").Run(llb.Shlex("cp"), llb.ReadonlyRootFS(), llb.Network(pb.NetMode_NONE))
		return es.AddMount("/out", llb.Scratch())
	},
}

// execRow is one row of the exec table: [name, terminal op digest].
func execRow(name string) []any {
	build, ok := execTableCases[name]
	if !ok {
		panic(fmt.Sprintf("exec: no case %q in table_exec.go", name))
	}
	opts := append([]llb.ConstraintsOpt{llb.LinuxAmd64, llb.LocalUniqueID("u")}, execTableOpts[name]...)
	def, err := build().Marshal(context.Background(), opts...)
	if err != nil {
		return []any{name, err.Error()}
	}
	return []any{name, digest.FromBytes(def.Def[len(def.Def)-1]).String()}
}
