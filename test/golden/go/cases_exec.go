package main

import (
	"net"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

var execCases = []Case{
	{
		Name: "exec-shlex",
		Doc:  "shell-like form: llb.Shlex with quotes and escapes (google/shlex splitting)",
		State: func() llb.State {
			return busybox().Run(llb.Shlex(`sh -c "echo hello  world" 'single quoted' esc\ aped`)).Root()
		},
	},
	{
		Name: "exec-shlexf",
		Doc:  "llb.Shlexf(\"echo %s %d\", \"x y\", 42) — formatting happens before splitting",
		State: func() llb.State {
			return busybox().Run(llb.Shlexf("echo %s %d", "x y", 42)).Root()
		},
	},
	{
		Name: "exec-args",
		Doc:  "args form: llb.Args with an empty argument and a $VAR that is not expanded",
		State: func() llb.State {
			return busybox().Run(llb.Args([]string{"/bin/sh", "-c", "echo $HOME", ""})).Root()
		},
	},
	{
		Name: "exec-env-dir-user",
		Doc:  "RunOptions: AddEnv, AddEnvf, Dir, Dirf, User (StateOptions used as RunOptions)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("make all"),
				llb.AddEnv("CC", "gcc"),
				llb.AddEnvf("JOBS", "%d", 8),
				llb.Dir("/src"),
				llb.Dirf("sub-%s", "dir"),
				llb.User("builder:builder"),
			).Root()
		},
	},
	{
		Name: "exec-hostname-extra-hosts",
		Doc:  "Hostname via llb.With, AddExtraHost with IPv4 and IPv6 (net.IP.String form)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("cat /etc/hosts"),
				llb.With(llb.Hostname("builder-host")),
				llb.AddExtraHost("db.local", net.ParseIP("10.0.0.5")),
				llb.AddExtraHost("v6.local", net.ParseIP("2001:db8:0:0::1")),
			).Root()
		},
	},
	{
		Name: "exec-network-modes",
		Doc:  "three execs in a chain: network host, network none, back to sandbox (no network cap)",
		State: func() llb.State {
			st := busybox()
			st = st.Network(llb.NetModeHost).Run(llb.Shlex("curl https://example.com")).Root()
			st = st.Network(llb.NetModeNone).Run(llb.Shlex("echo offline")).Root()
			st = st.Network(llb.NetModeSandbox).Run(llb.Shlex("echo sandbox")).Root()
			return st
		},
	},
	{
		Name: "exec-security-insecure",
		Doc:  "Security(SecurityModeInsecure) via llb.With(llb.Security(...)) adds exec.meta.security cap",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("mount -t tmpfs none /mnt"), llb.With(llb.Security(llb.SecurityModeInsecure))).Root()
		},
	},
	{
		Name: "exec-proxy",
		Doc:  "WithProxy with all five ProxyEnv fields",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("wget http://example.com"), llb.WithProxy(llb.ProxyEnv{
				HTTPProxy:  "http://proxy:3128",
				HTTPSProxy: "https://proxy:3129",
				FTPProxy:   "ftp://proxy:21",
				NoProxy:    "localhost,127.0.0.1",
				AllProxy:   "socks5://proxy:1080",
			})).Root()
		},
	},
	{
		Name: "exec-ulimit-cgroup",
		Doc:  "AddUlimit nofile + nproc (declaration order kept), WithCgroupParent",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("ulimit -a"),
				llb.AddUlimit(llb.UlimitNofile, 1024, 4096),
				llb.AddUlimit(llb.UlimitNproc, -1, -1),
				llb.WithCgroupParent("/buildkit/golden"),
			).Root()
		},
	},
	{
		Name: "exec-valid-exit-codes",
		Doc:  "ValidExitCodes(0, 1, 255)",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("grep -q x /etc/passwd"), llb.ValidExitCodes(0, 1, 255)).Root()
		},
	},
	{
		Name: "exec-metadata-options",
		Doc:  "IgnoreCache, WithCustomName, WithDescription, ProgressGroup, WithExportCache as RunOptions",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("date"),
				llb.IgnoreCache,
				llb.WithCustomName("print the date"),
				llb.WithDescription(map[string]string{"com.example.step": "1", "com.example.kind": "exec"}),
				llb.ProgressGroup("pg-1", "Group One", true),
				llb.WithExportCache(),
			).Root()
		},
	},
	{
		Name: "exec-custom-namef",
		Doc:  "WithCustomNamef(\"[%d/%d] RUN %s\", 1, 3, \"make\") and WithoutExportCache",
		State: func() llb.State {
			return busybox().Run(llb.Shlex("make"), llb.WithCustomNamef("[%d/%d] RUN %s", 1, 3, "make"), llb.WithoutExportCache()).Root()
		},
	},
	{
		Name: "exec-caps-unknown",
		Doc:  "Marshal with WithCaps(empty CapSet): exec.meta.setsdefaultpath unsupported → PATH default is added to env",
		State: func() llb.State {
			return busybox().AddEnv("FOO", "bar").Run(llb.Shlex("env")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.WithCaps(pb.Caps.CapSet(nil))},
	},
	{
		Name: "exec-caps-known",
		Doc:  "Marshal with WithCaps(all caps): no PATH added, exec.meta.setsdefaultpath cap recorded",
		State: func() llb.State {
			return busybox().AddEnv("FOO", "bar").Run(llb.Shlex("env")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.WithCaps(pb.Caps.CapSet(pb.Caps.All()))},
	},
	{
		Name: "exec-caps-unknown-path-set",
		Doc:  "empty CapSet but PATH already set on the state: PATH is kept (SetDefault)",
		State: func() llb.State {
			return busybox().AddEnv("PATH", "/custom/bin").Run(llb.Shlex("env")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.WithCaps(pb.Caps.CapSet(nil))},
	},
	{
		Name: "exec-caps-unknown-windows",
		Doc:  "empty CapSet with the Windows marshal platform: no PATH added (#5445)",
		State: func() llb.State {
			return llb.Image("mcr.microsoft.com/windows/nanoserver:ltsc2022").Run(llb.Shlex("cmd /c dir")).Root()
		},
		Opts: []llb.ConstraintsOpt{llb.Windows, llb.WithCaps(pb.Caps.CapSet(nil))},
	},
	{
		Name: "exec-int64-options",
		Doc:  "int64/uint64 options past 2^31 and 2^53: MemoryLimit(2 GiB), MemorySwapLimit(5 GiB), CPUShares(2^40), CPUPeriod(2^63+5), CPUQuota(-1), AddUlimit fsize 2^40 / 2^53+2, TmpfsSize(8 GiB)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("true"),
				llb.MemoryLimit(2<<30),
				llb.MemorySwapLimit(5<<30),
				llb.CPUShares(1<<40),
				llb.CPUPeriod(1<<63+5),
				llb.CPUQuota(-1),
				llb.AddUlimit(llb.UlimitFsize, 1<<40, 1<<53+2),
				llb.AddMount("/big", llb.Scratch(), llb.Tmpfs(llb.TmpfsSize(8<<30))),
			).Root()
		},
	},
	{
		Name: "exec-linux-resources-cdi",
		Doc:  "WithLinuxResources + MemoryLimit/CPUQuota/CpusetCpus overrides (OpMetadata only) and AddCDIDevice (one optional)",
		State: func() llb.State {
			return busybox().Run(
				llb.Shlex("nvidia-smi"),
				llb.WithLinuxResources(llb.LinuxResources{Memory: 1 << 30, MemorySwap: 2 << 30, CPUShares: 512, CPUPeriod: 100000, CPUQuota: 50000, CpusetCpus: "0-1", CpusetMems: "0"}),
				llb.MemoryLimit(512<<20),
				llb.CPUQuota(25000),
				llb.CpusetCpus("2-3"),
				llb.AddCDIDevice(llb.CDIDeviceName("nvidia.com/gpu=all")),
				llb.AddCDIDevice(llb.CDIDeviceName("vendor.com/dev=1"), llb.CDIDeviceOptional),
			).Root()
		},
	},
	{
		Name: "exec-readonly-rootfs",
		Doc:  "ReadonlyRootFS: root mount readonly (output -1); the graph head is the /out scratch mount (output 0)",
		State: func() llb.State {
			es := busybox().Run(llb.Shlex("cp /bin/busybox /out/"), llb.ReadonlyRootFS())
			return es.AddMount("/out", llb.Scratch())
		},
	},
}
