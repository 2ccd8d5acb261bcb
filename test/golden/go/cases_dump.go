package main

import (
	"github.com/moby/buildkit/client/llb"
)

// dumpCases exercise what `buildctl debug dump-llb` escapes: encoding/json's
// HTML-safe strings (<, >, &, U+2028), control characters, map keys whose
// UTF-8 order differs from UTF-16 order, and fmt's %q in --dot labels.
var dumpCases = []Case{
	{
		Name: "dump-escapes",
		Doc:  "HTML characters, quotes, backslashes, control characters, U+2028, U+00AD, astral and U+FF21 keys in args, env, mount dests, file paths, data and descriptions (JSON and --dot escaping of buildctl debug dump-llb)",
		State: func() llb.State {
			st := busybox().AddEnv("HTML", "<b>&amp;</b>").Dir("/dir \"q\"\\")
			run := st.Run(
				llb.Args([]string{"sh", "-c", "echo '<a href=\"x\">&</a>' \t\x01\x7f \u2028\u2029 \u00ad \U0001F600 \\"}),
				llb.AddMount("/mnt/<cache> & \"x\"", llb.Scratch(), llb.AsPersistentCacheDir("id<&>", llb.CacheMountShared)),
				llb.WithDescription(map[string]string{"\uff21": "fullwidth", "\U0001F511": "astral", "<k>": "&v", "z\x01": "\u2028"}),
			)
			return run.Root().File(
				llb.Mkfile("/f\n<&>\"\\", 0o644, []byte("<html>&\x00\xff")).
					Mkdir("/d\ttab", 0o755).
					Rm("/r\x1b[0m"),
				llb.WithCustomName("file <&> \"q\""),
			)
		},
	},
}
