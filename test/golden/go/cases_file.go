package main

import (
	"github.com/moby/buildkit/client/llb"
)

var fileCases = []Case{
	{
		Name: "file-mkdir",
		Doc:  "Mkdir with mode 0755 on an image (no options: owner nil, timestamp -1)",
		State: func() llb.State {
			return busybox().File(llb.Mkdir("/data", 0o755))
		},
	},
	{
		Name: "file-mkdir-options",
		Doc:  "Mkdir with WithParents(true), WithUser(\"app:staff\") (names → NamedUserOpt with input 0), WithCreatedTime; mode bits above 0777 dropped",
		State: func() llb.State {
			return busybox().File(llb.Mkdir("/a/b/c", 0o4755, llb.WithParents(true), llb.WithUser("app:staff"), llb.WithCreatedTime(fixedTime)))
		},
	},
	{
		Name: "file-chown-variants",
		Doc:  "chained Mkdirs with WithUser(\"1000:1000\"), WithUser(\"root\") (user only), WithUser(\"root:wheel\"), WithUIDGID(33, 33), WithUser(\"app\")",
		State: func() llb.State {
			return busybox().File(
				llb.Mkdir("/u1", 0o755, llb.WithUser("1000:1000")).
					Mkdir("/u2", 0o755, llb.WithUser("root")).
					Mkdir("/u3", 0o755, llb.WithUser("root:wheel")).
					Mkdir("/u4", 0o755, llb.WithUIDGID(33, 33)).
					Mkdir("/u5", 0o755, llb.WithUser("app")),
			)
		},
	},
	{
		Name: "file-mkfile",
		Doc:  "Mkfile with text data, WithUIDGID and WithCreatedTime",
		State: func() llb.State {
			return busybox().File(llb.Mkfile("/etc/motd", 0o644, []byte("hello\nworld\n"), llb.WithUIDGID(0, 0), llb.WithCreatedTime(fixedTime)))
		},
	},
	{
		Name: "file-mkfile-binary-empty",
		Doc:  "Mkfile with binary bytes (0x00..0xff edges, invalid UTF-8) then Mkfile with empty data",
		State: func() llb.State {
			return llb.Scratch().File(
				llb.Mkfile("/bin.dat", 0o600, []byte{0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28}).
					Mkfile("/empty", 0o644, []byte{}),
			)
		},
	},
	{
		Name: "file-rm",
		Doc:  "Rm plain, Rm with WithAllowNotFound(true), Rm with WithAllowWildcard(true) chained",
		State: func() llb.State {
			return busybox().File(
				llb.Rm("/etc/motd").
					Rm("/tmp/maybe", llb.WithAllowNotFound(true)).
					Rm("/var/log/*.log", llb.WithAllowWildcard(true), llb.WithAllowNotFound(true)),
			)
		},
	},
	{
		Name: "file-symlink",
		Doc:  "Symlink plain and with WithUIDGID + WithCreatedTime (no file.symlink.create cap: see Quirks)",
		State: func() llb.State {
			return busybox().File(
				llb.Symlink("/usr/bin/python3", "/usr/bin/python").
					Symlink("../lib", "/opt/lib", llb.WithUIDGID(1, 1), llb.WithCreatedTime(fixedTime)),
			)
		},
	},
	{
		Name: "file-copy-basic",
		Doc:  "Copy from another image (two inputs); mode -1 and timestamp -1 when unset",
		State: func() llb.State {
			return busybox().File(llb.Copy(llb.Image("alpine:3.20"), "/etc/alpine-release", "/alpine-release"))
		},
	},
	{
		Name: "file-copy-all-options",
		Doc:  "Copy with &llb.CopyInfo{every field} (Mode 0640, FollowSymlinks, CopyDirContentsOnly, Include/Exclude/RequiredPaths, AttemptUnpack, CreateDestPath, AllowWildcard, AllowEmptyWildcard, ChownOpt by name, CreatedTime, AlwaysReplaceExistingDestPaths)",
		State: func() llb.State {
			return busybox().File(llb.Copy(llb.Local("context"), "/src", "/app/", &llb.CopyInfo{
				Mode:                           &llb.ChmodOpt{Mode: 0o640},
				FollowSymlinks:                 true,
				CopyDirContentsOnly:            true,
				IncludePatterns:                []string{"*.go", "go.*"},
				ExcludePatterns:                []string{"*_test.go"},
				RequiredPaths:                  []string{"main.go"},
				AttemptUnpack:                  true,
				CreateDestPath:                 true,
				AllowWildcard:                  true,
				AllowEmptyWildcard:             true,
				ChownOpt:                       &llb.ChownOpt{User: &llb.UserOpt{Name: "app"}, Group: &llb.UserOpt{UID: 1000}},
				CreatedTime:                    &fixedTime,
				AlwaysReplaceExistingDestPaths: true,
			}))
		},
	},
	{
		Name: "file-copy-option-funcs",
		Doc:  "Copy with option values: ChmodOpt{ModeStr: \"u+x,g-w\"}, WithExcludePatterns (twice, appended), WithUser, WithCreatedTime",
		State: func() llb.State {
			return busybox().File(llb.Copy(llb.Local("context"), "bin", "/usr/local/bin",
				llb.ChmodOpt{ModeStr: "u+x,g-w"},
				llb.WithExcludePatterns([]string{"*.md"}),
				llb.WithExcludePatterns([]string{"*.txt"}),
				llb.WithUser("1000:1000"),
				llb.WithCreatedTime(fixedTime),
			))
		},
	},
	{
		Name: "file-chained-actions",
		Doc:  "one FileOp with Mkdir → Mkfile → Copy → Rm → Symlink (relative inputs, only the last action has output 0)",
		State: func() llb.State {
			return busybox().File(
				llb.Mkdir("/app", 0o755).
					Mkfile("/app/config.json", 0o644, []byte(`{"debug":false}`)).
					Copy(llb.Image("alpine:3.20"), "/etc/os-release", "/app/os-release").
					Rm("/app/unused").
					Symlink("/app/config.json", "/etc/app.json"),
			)
		},
	},
	{
		Name: "file-relative-paths",
		Doc:  "relative paths resolved against the state's Dir (/work/sub); source path relative to the source state's Dir (/etc); trailing \"/\" and \"/.\" kept on dest",
		State: func() llb.State {
			src := llb.Image("alpine:3.20").Dir("/etc")
			return busybox().Dir("/work").Dir("sub").File(
				llb.Mkdir("./out", 0o755).
					Mkfile("out/../file.txt", 0o644, []byte("x")).
					Copy(src, "os-release", "out/").
					Copy(src, "apk/./", "copy/.").
					Rm("../sub/tmp/"),
			)
		},
	},
	{
		Name: "file-on-scratch",
		Doc:  "file ops on scratch: no inputs, action input -1; chown by name uses input -1",
		State: func() llb.State {
			return llb.Scratch().File(
				llb.Mkdir("/etc", 0o755).
					Mkfile("/etc/passwd", 0o644, []byte("root:x:0:0::/root:/bin/sh\n"), llb.WithUser("root:root")).
					Mkfile("/etc/group", 0o644, []byte("root:x:0:\n"), llb.WithUser("admin")),
			)
		},
	},
	{
		Name: "file-copy-from-action",
		Doc:  "Copy whose source is another FileAction bound with WithState(Scratch().Dir(\"/ced\")): secondary input refers to an earlier action",
		State: func() llb.State {
			a := llb.Mkdir("./foo", 0o755)
			b := llb.Mkdir("./bar", 0o755)
			c := b.Copy(a.WithState(llb.Scratch().Dir("/ced")), "./foo", "./baz")
			return busybox().Dir("/abc").File(c)
		},
	},
	{
		Name: "file-copy-multi-source",
		Doc:  "one FileOp copying from two other images and the base image itself (input dedup of the base)",
		State: func() llb.State {
			base := busybox()
			return base.File(
				llb.Copy(llb.Image("alpine:3.20"), "/a", "/x/a").
					Copy(llb.Image("debian:12"), "/b", "/x/b").
					Copy(base, "/bin/sh", "/x/sh").
					Copy(llb.Image("alpine:3.20"), "/c", "/x/c"),
			)
		},
	},
	{
		Name: "file-op-constraints",
		Doc:  "State.File with ConstraintsOpts: WithCustomName, IgnoreCache, ProgressGroup; then a second FileOp",
		State: func() llb.State {
			return busybox().
				File(llb.Mkdir("/x", 0o700), llb.WithCustomName("mkdir /x"), llb.IgnoreCache, llb.ProgressGroup("files", "File steps", false)).
				File(llb.Mkfile("/x/y", 0o600, []byte("y")), llb.WithCustomNamef("mkfile %s", "/x/y"))
		},
	},
}
