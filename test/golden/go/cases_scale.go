package main

import (
	"fmt"

	"github.com/moby/buildkit/client/llb"
)

// chain1000 is a linear chain giving exactly 1000 entries in def.Def:
// 1 image source + 998 steps (even j: exec, odd j: mkfile) + 1 terminal op.
func chain1000() llb.State {
	st := llb.Image("docker.io/library/alpine:3.20")
	for j := 0; j < 998; j++ {
		if j%2 == 0 {
			st = st.Run(llb.Shlexf("echo step-%d", j)).Root()
		} else {
			st = st.File(llb.Mkfile(fmt.Sprintf("/step-%d", j), 0o644, []byte(fmt.Sprintf("%d", j))))
		}
	}
	return st
}

var scaleCases = []Case{
	{
		Name:  "scale-chain-1000",
		Doc:   "linear chain: image + 998 alternating exec/mkfile steps + terminal = exactly 1000 ops",
		State: chain1000,
	},
	{
		Name: "scale-unicode",
		Doc:  "unicode (CJK, emoji incl. ZWJ sequence, combining marks, RTL) in args, env, dir, paths, file data, descriptions and a local name",
		State: func() llb.State {
			st := busybox().
				AddEnv("GREETING", "こんにちは世界").
				AddEnv("EMOJI_👍", "👩‍💻🚀").
				Dir("/données/目录")
			st = st.Run(
				llb.Args([]string{"echo", "e\u0301", "ñ", "שלום", "Ω≈ç√"}),
				llb.WithCustomName("運行 🏃 café"),
				llb.WithDescription(map[string]string{"ключ": "значение", "🔑": "🗝️"}),
			).Root()
			return st.File(
				llb.Mkdir("文件夹", 0o755).
					Mkfile("文件夹/ファイル.txt", 0o644, []byte("内容 ✓\n")).
					Copy(llb.Local("上下文"), "/源/*", "/目标/", &llb.CopyInfo{AllowWildcard: true, IncludePatterns: []string{"*.文"}}),
			)
		},
	},
	{
		Name: "scale-empty-strings",
		Doc:  "empty env value, empty arg in the middle, empty description key/value, empty custom name, empty Mkfile data",
		State: func() llb.State {
			return busybox().
				AddEnv("EMPTY", "").
				Run(
					llb.Args([]string{"printf", "", "%s\\n", ""}),
					llb.WithDescription(map[string]string{"": "", "k": ""}),
					llb.WithCustomName(""),
				).Root().
				File(llb.Mkfile("/empty", 0o644, nil))
		},
	},
	{
		Name: "scale-many-keys",
		Doc:  "60 description keys, 40 env vars, 30 local include patterns, 25 exclude patterns, HTTP with both headers, 12 extra hosts, 10 ulimits",
		State: func() llb.State {
			desc := map[string]string{}
			for i := 0; i < 60; i++ {
				desc[fmt.Sprintf("key.%d", i)] = fmt.Sprintf("value-%d", i*7)
			}
			var include, exclude []string
			for i := 0; i < 30; i++ {
				include = append(include, fmt.Sprintf("dir%02d/**/*.ts", i))
			}
			for i := 0; i < 25; i++ {
				exclude = append(exclude, fmt.Sprintf("**/tmp%d", i))
			}
			local := llb.Local("context", llb.IncludePatterns(include), llb.ExcludePatterns(exclude))
			dl := llb.HTTP("https://example.com/x", llb.Header(llb.HTTPHeader{Accept: "text/plain", UserAgent: "golden"}))

			st := busybox()
			for i := 0; i < 40; i++ {
				st = st.AddEnv(fmt.Sprintf("VAR_%d", 39-i), fmt.Sprintf("%d", i))
			}
			var opts []llb.RunOption
			opts = append(opts, llb.Shlex("true"), llb.WithDescription(desc))
			opts = append(opts, llb.AddMount("/ctx", local, llb.Readonly), llb.AddMount("/dl", dl, llb.Readonly))
			for i := 0; i < 12; i++ {
				opts = append(opts, llb.AddExtraHost(fmt.Sprintf("host%d", i), []byte{10, 0, 0, byte(i)}))
			}
			for _, name := range []llb.UlimitName{llb.UlimitCore, llb.UlimitCPU, llb.UlimitData, llb.UlimitFsize, llb.UlimitLocks, llb.UlimitMemlock, llb.UlimitMsgqueue, llb.UlimitNice, llb.UlimitRtprio, llb.UlimitStack} {
				opts = append(opts, llb.AddUlimit(name, 1, 2))
			}
			return st.Run(opts...).Root()
		},
	},
}
