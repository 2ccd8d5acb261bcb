package main

import (
	"github.com/moby/buildkit/client/llb"
)

var mountCases = []Case{
	{
		Name: "exec-mount-bind-readonly",
		Doc:  "read-only bind mount of another image (output -1, input 1)",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("ls /src"), llb.AddMount("/src", llb.Image("alpine:3.20"), llb.Readonly)).Root()
		},
	},
	{
		Name: "exec-mount-selector",
		Doc:  "bind mount with SourcePath selector (exec.mount.selector cap), writable → gets output 1",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("ls /etc-alpine"), llb.AddMount("/etc-alpine", llb.Image("alpine:3.20"), llb.SourcePath("/etc"))).Root()
		},
	},
	{
		Name: "exec-mount-force-no-output",
		Doc:  "writable bind mount with ForceNoOutput (output -1) before a writable one (output 1)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("true"),
				llb.AddMount("/a", llb.Image("alpine:3.20"), llb.ForceNoOutput),
				llb.AddMount("/b", llb.Image("alpine:3.21")),
			).Root()
		},
	},
	{
		Name: "exec-mount-cache-shared",
		Doc:  "cache mount on scratch, id \"go-build\", CacheMountShared",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("go build"), llb.AddMount("/root/.cache/go-build", llb.Scratch(), llb.AsPersistentCacheDir("go-build", llb.CacheMountShared))).Root()
		},
	},
	{
		Name: "exec-mount-cache-private",
		Doc:  "cache mount on scratch, CacheMountPrivate",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("npm ci"), llb.AddMount("/root/.npm", llb.Scratch(), llb.AsPersistentCacheDir("npm", llb.CacheMountPrivate))).Root()
		},
	},
	{
		Name: "exec-mount-cache-locked",
		Doc:  "cache mount seeded from an image (has an input), CacheMountLocked",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("apt-get update"), llb.AddMount("/var/cache/apt", llb.Image("debian:12"), llb.AsPersistentCacheDir("apt", llb.CacheMountLocked))).Root()
		},
	},
	{
		Name: "exec-mount-tmpfs",
		Doc:  "tmpfs without size (TmpfsOpt{} still emitted) and tmpfs with TmpfsSize(64MiB) (size cap)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("df"),
				llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs()),
				llb.AddMount("/dev/shm", llb.Scratch(), llb.Tmpfs(llb.TmpfsSize(64<<20))),
			).Root()
		},
	},
	{
		Name: "exec-mount-content-cache",
		Doc:  "ContentCache(MountContentCacheOn) on a readonly bind and ContentCache(MountContentCacheOff) on another",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("true"),
				llb.AddMount("/on", llb.Image("alpine:3.20"), llb.Readonly, llb.ContentCache(llb.MountContentCacheOn)),
				llb.AddMount("/off", llb.Image("alpine:3.21"), llb.Readonly, llb.ContentCache(llb.MountContentCacheOff)),
			).Root()
		},
	},
	{
		Name: "exec-mounts-sorted",
		Doc:  "mounts added as /z, /a, /m are sorted by dest; outputs numbered in sorted order",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("true"),
				llb.AddMount("/z", llb.Image("alpine:3.18")),
				llb.AddMount("/a", llb.Image("alpine:3.19")),
				llb.AddMount("/m", llb.Image("alpine:3.20")),
			).Root()
		},
	},
	{
		Name: "exec-mount-same-input-twice",
		Doc:  "the same state used as rootfs and mounted twice: a single pb.Input shared by three mounts",
		State: func() llb.State {
			base := busybox()
			return base.Run(
				llb.Shlex("true"),
				llb.AddMount("/one", base, llb.Readonly),
				llb.AddMount("/two", base),
			).Root()
		},
	},
	{
		Name: "exec-mount-outputs",
		Doc:  "ExecState.AddMount returns the /out output and GetMount(\"/out\") the same output: a second exec mounts it twice (one shared input); Merge of both roots",
		State: func() llb.State {
			first := busybox().Run(llb.Shlex("build"), llb.AddMount("/cache", llb.Scratch(), llb.AsPersistentCacheDir("c", llb.CacheMountShared)))
			out := first.AddMount("/out", llb.Scratch())
			work := first.GetMount("/out")
			second := llb.Image("alpine:3.20").Run(
				llb.Shlex("ls /in /in2"),
				llb.AddMount("/in", out, llb.Readonly),
				llb.AddMount("/in2", work, llb.Readonly),
			)
			return llb.Merge([]llb.State{first.Root(), second.Root()})
		},
	},
	{
		Name: "exec-mount-output-chain",
		Doc:  "exec with two writable mounts; a file op and an exec consume mount outputs 1 and 2",
		State: func() llb.State {
			es := busybox().Run(llb.Shlex("gen"))
			a := es.AddMount("/a", llb.Scratch())
			b := es.AddMount("/b", llb.Image("alpine:3.20"))
			st := a.File(llb.Copy(b, "/etc/os-release", "/os-release"))
			return st.Run(llb.Shlex("cat /os-release")).Root()
		},
	},
}

var secretSSHCases = []Case{
	{
		Name: "exec-secret-mount",
		Doc:  "AddSecret(\"/run/secrets/npmrc\") with SecretID, SecretFileOpt(uid,gid,mode), SecretOptional; plus a default one (mode 0400, id = path)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("npm ci"),
				llb.AddSecret("/run/secrets/npmrc", llb.SecretID("npmrc"), llb.SecretFileOpt(1000, 1000, 0o440), llb.SecretOptional),
				llb.AddSecret("/root/.aws/credentials"),
			).Root()
		},
	},
	{
		Name: "exec-secret-env",
		Doc:  "secrets as env: AddSecret(\"TOKEN\", SecretAsEnv(true)) and AddSecretWithDest(\"gh\", nil, SecretAsEnvName(\"GH_TOKEN\"), SecretOptional)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("deploy"),
				llb.AddSecret("TOKEN", llb.SecretAsEnv(true)),
				llb.AddSecretWithDest("gh", nil, llb.SecretAsEnvName("GH_TOKEN"), llb.SecretOptional),
			).Root()
		},
	},
	{
		Name: "exec-secret-env-and-file",
		Doc:  "AddSecretWithDest with both a destination file and an env name: emits a SecretEnv and a secret mount; secret mounts come after sorted bind mounts",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("use-secret"),
				llb.AddSecretWithDest("both", strPtr("/run/secrets/both"), llb.SecretAsEnvName("BOTH")),
				llb.AddMount("/zzz", llb.Scratch()),
			).Root()
		},
	},
	{
		Name: "exec-ssh-default",
		Doc:  "AddSSHSocket() with defaults: target /run/buildkit/ssh_agent.0, mode 0600, SSH_AUTH_SOCK env added",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("ssh -T git@github.com"), llb.AddSSHSocket()).Root()
		},
	},
	{
		Name: "exec-ssh-options",
		Doc:  "two SSH sockets: SSHID+SSHSocketTarget+SSHOptional, and SSHSocketOpt(uid,gid,mode) without target (→ ssh_agent.1); SSH_AUTH_SOCK from the first",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("ssh-add -l"),
				llb.AddSSHSocket(llb.SSHID("deploy-key"), llb.SSHSocketTarget("/run/ssh.sock"), llb.SSHOptional),
				llb.AddSSHSocket(llb.SSHSocketOpt("", 1000, 1001, 0o660)),
			).Root()
		},
	},
	{
		Name: "exec-ssh-auth-sock-preset",
		Doc:  "SSH_AUTH_SOCK already set on the state: not overridden",
		State: func() llb.State {
			return busybox().AddEnv("SSH_AUTH_SOCK", "/custom.sock").Run(llb.Shlex("ssh-add -l"), llb.AddSSHSocket(llb.SSHID("default"))).Root()
		},
	},
}
