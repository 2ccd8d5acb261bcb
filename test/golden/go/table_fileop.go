package main

// The graphs of src/llb/fileop.test.ts ("digests match Go"), one-to-one: `golden table fileop`
// gives [name, [sha256 of each op of the marshalled Definition]] for each case named in
// test/golden/tables/fileop.json.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func fileopBase() llb.State { return llb.Scratch().File(llb.Mkdir("/base", 0o755)) }

func fileopSrc() llb.State {
	return llb.Scratch().File(llb.Mkfile("/src/x", 0o644, []byte("x"))).Dir("/src")
}

func uidOpt(id int) *llb.UserOpt        { return &llb.UserOpt{UID: id} }
func nameOpt(n string) *llb.UserOpt     { return &llb.UserOpt{Name: n} }
func chmod(m os.FileMode) *llb.ChmodOpt { return &llb.ChmodOpt{Mode: m} }

var fileopCases = map[string]func() llb.State{
	"base": fileopBase,
	"mkdir-opts": func() llb.State {
		return fileopBase().File(llb.Mkdir("/a/b/c", 0o4755, llb.WithParents(true), llb.WithUser("app:staff"), llb.WithCreatedTime(fixedTime)))
	},
	"chown-variants": func() llb.State {
		return fileopBase().File(
			llb.Mkdir("/u1", 0o755, llb.WithUser("1000:1000")).
				Mkdir("/u2", 0o755, llb.WithUser("root")).
				Mkdir("/u3", 0o755, llb.WithUser("root:wheel")).
				Mkdir("/u4", 0o755, llb.WithUIDGID(33, 33)).
				Mkdir("/u5", 0o755, llb.WithUser("app")).
				Mkdir("/u6", 0o755, llb.WithUser("")).
				Mkdir("/u7", 0o755, llb.WithUser(":staff")).
				Mkdir("/u8", 0o755, llb.WithUser("-1:+7")).
				Mkdir("/u9", 0o755, llb.WithUser("2147483648:a:b")).
				Mkdir("/u10", 0o755, llb.ChownOpt{}).
				Mkdir("/u11", 0o755, llb.ChownOpt{Group: nameOpt("g")}).
				Mkdir("/u12", 0o755, llb.WithUIDGID(-2, 1<<32+5)).
				Mkdir("/u13", 0o755, llb.WithUser("x"), llb.WithUIDGID(1, 2)),
		)
	},
	"mkfile-scratch": func() llb.State {
		return llb.Scratch().File(
			llb.Mkfile("/bin.dat", 0o600, []byte{0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28}, llb.WithUser("root:root")).
				Mkfile("/empty", 0o644, []byte{}, llb.WithUser("admin")).
				Mkfile("/héllo", 0o1777, []byte("héllo wörld"), llb.WithCreatedTime(time.Unix(0, 0))),
		)
	},
	"rm": func() llb.State {
		return fileopBase().File(
			llb.Rm("/etc/motd").
				Rm("/tmp/maybe/", llb.WithAllowNotFound(true)).
				Rm("/var/log/*.log", llb.WithAllowWildcard(true), llb.WithAllowNotFound(true)).
				Rm("rel/./x/.."),
		)
	},
	"symlink": func() llb.State {
		return fileopBase().Dir("/opt").File(
			llb.Symlink("/usr/bin/python3", "/usr/bin/python").
				Symlink("../lib", "lib/", llb.WithUIDGID(1, 1), llb.WithCreatedTime(fixedTime)).
				Symlink("a", "b", llb.WithUser("app")),
		)
	},
	"copy-all-options": func() llb.State {
		return fileopBase().File(llb.Copy(fileopSrc(), "/src", "/app/", &llb.CopyInfo{
			Mode:                           chmod(0o640),
			FollowSymlinks:                 true,
			CopyDirContentsOnly:            true,
			IncludePatterns:                []string{"*.go", "go.*"},
			ExcludePatterns:                []string{"*_test.go"},
			RequiredPaths:                  []string{"main.go"},
			AttemptUnpack:                  true,
			CreateDestPath:                 true,
			AllowWildcard:                  true,
			AllowEmptyWildcard:             true,
			ChownOpt:                       &llb.ChownOpt{User: nameOpt("app"), Group: uidOpt(1000)},
			CreatedTime:                    &fixedTime,
			AlwaysReplaceExistingDestPaths: true,
		}))
	},
	"copy-option-funcs": func() llb.State {
		return fileopBase().File(
			llb.Copy(fileopSrc(), "bin", "/usr/local/bin", llb.ChmodOpt{ModeStr: "u+x,g-w"}, llb.WithExcludePatterns([]string{"*.md", "*.txt"}), llb.WithUser("1000:1000"), llb.WithCreatedTime(fixedTime)).
				Copy(fileopSrc(), "x", "y", llb.ChmodOpt{Mode: os.ModeDir | 0o755}).
				Copy(fileopSrc(), "x", "z", llb.ChmodOpt{}).
				Copy(fileopSrc(), "", "", llb.ChmodOpt{Mode: 0o700, ModeStr: "0700"}),
		)
	},
	"chained": func() llb.State {
		return fileopBase().File(
			llb.Mkdir("/app", 0o755).
				Mkfile("/app/config.json", 0o644, []byte(`{"debug":false}`)).
				Copy(fileopSrc(), "/src/x", "/app/x", llb.WithUser("app")).
				Rm("/app/unused").
				Symlink("/app/config.json", "/etc/app.json"),
		)
	},
	"relative-paths": func() llb.State {
		s := fileopSrc().Dir("/etc")
		return fileopBase().Dir("/work").Dir("sub").File(
			llb.Mkdir("./out", 0o755).
				Mkfile("out/../file.txt", 0o644, []byte("x")).
				Copy(s, "os-release", "out/").
				Copy(s, "apk/./", "copy/.").
				Copy(s, "../x/", "/.").
				Copy(s, ".", ".").
				Copy(s, "", "").
				Copy(s, "a", "/").
				Copy(s, "b", "./").
				Copy(s, "/abs/../p", "x/./").
				Rm("../sub/tmp/"),
		)
	},
	"copy-from-action": func() llb.State {
		a := llb.Mkdir("./foo", 0o755)
		b := llb.Mkdir("./bar", 0o755)
		c := b.Copy(a.WithState(llb.Scratch().Dir("/ced")), "./foo", "./baz")
		return fileopBase().Dir("/abc").File(c)
	},
	"copy-from-action-reuse": func() llb.State {
		a := llb.Mkdir("/foo", 0o755, llb.WithUser("u")).Mkfile("/foo/f", 0o644, []byte("f"), llb.WithUser("v:w"))
		input := a.WithState(fileopSrc())
		inner := llb.Copy(input, "/foo", "/n").WithState(fileopBase().Dir("/d"))
		return fileopSrc().File(
			llb.Copy(input, "foo", "/x").
				Copy(input, "/foo/f", "/y").
				Copy(inner, "n", "/z").
				Copy(a.WithState(llb.Scratch()), "/foo", "/w"),
		)
	},
	"multi-source": func() llb.State {
		b := fileopBase()
		s2 := llb.Scratch().File(llb.Mkfile("/s2", 0o644, []byte("2")))
		return b.File(
			llb.Copy(fileopSrc(), "/a", "/x/a").
				Copy(s2, "/b", "/x/b").
				Copy(b, "/bin/sh", "/x/sh").
				Copy(fileopSrc(), "/c", "/x/c").
				Copy(llb.Scratch(), "/d", "/x/d"),
		)
	},
	"constraints": func() llb.State {
		return fileopBase().
			Platform(ocispecs.Platform{OS: "linux", Architecture: "arm64"}).
			File(llb.Mkdir("/x", 0o700), llb.WithCustomName("mkdir /x"), llb.IgnoreCache, llb.ProgressGroup("files", "File steps", false), llb.Require("w=1")).
			File(llb.Mkfile("/x/y", 0o600, []byte("y")), llb.Platform(ocispecs.Platform{OS: "windows", Architecture: "amd64"}))
	},
	"times": func() llb.State {
		return llb.Scratch().File(
			llb.Mkdir("/t1", 0o755, llb.WithCreatedTime(time.Unix(-1, 999999999))).
				Mkdir("/t2", 0o755, llb.WithCreatedTime(time.UnixMilli(1700000000123))).
				Mkdir("/t3", 0o755, llb.WithCreatedTime(time.Unix(-5, 0))).
				Mkdir("/t4", 0o755, llb.WithCreatedTime(time.Unix(1<<33, 7))),
		)
	},
	"scratch-copy-scratch": func() llb.State {
		return llb.Scratch().File(llb.Copy(llb.Scratch().Dir("/q"), "r", "s", llb.WithUser("n")))
	},
	"diff-merge": func() llb.State {
		return llb.Merge([]llb.State{fileopBase(), fileopSrc()}).File(llb.Copy(llb.Diff(fileopBase(), fileopSrc()), "/", "/d"))
	},
}

// fileopRow is one row of the fileop table: [name, [op digests]].
func fileopRow(name string) []any {
	build, ok := fileopCases[name]
	if !ok {
		panic(fmt.Sprintf("fileop: no case %q in table_fileop.go", name))
	}
	def, err := build().Marshal(context.Background(), llb.LinuxAmd64)
	if err != nil {
		return []any{name, err.Error()}
	}
	digests := make([]string, len(def.Def))
	for i, dt := range def.Def {
		digests[i] = digest.FromBytes(dt).String()
	}
	return []any{name, digests}
}
