package main

// The source-op cases of src/llb/source.test.ts ("Go parity"), one-to-one: `golden table source`
// gives [name, {ops, caps, id, attrs, env, dir, platform, calls} or {err}] for each case named in
// test/golden/tables/source.json, marshalled with LinuxAmd64 + LocalUniqueID("golden-unique").

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// sourceCalls records the resolver calls of the current case: "ref|os/arch/variant|mode".
var sourceCalls []string

// recordingResolver is fakeResolver of source.test.ts: records each call, returns ref
// (or its own ref), a fixed digest and config.
type recordingResolver struct {
	config string
	digest digest.Digest
	ref    string
}

func (r recordingResolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p, mode := "<nil>", ""
	if io := opt.ImageOpt; io != nil {
		if io.Platform != nil {
			p = io.Platform.OS + "/" + io.Platform.Architecture + "/" + io.Platform.Variant
		}
		mode = io.ResolveMode
	}
	sourceCalls = append(sourceCalls, ref+"|"+p+"|"+mode)
	if r.ref != "" {
		ref = r.ref
	}
	return ref, r.digest, []byte(r.config), nil
}

var (
	srcAmd64R = recordingResolver{
		config: `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin","LANG=C.UTF-8","EMPTY=","NOEQUALS","A=b=c","=x"],"WorkingDir":"/srv/app","User":"nobody"}}`,
		digest: digestA,
	}
	// Keys match case-insensitively and later keys win: "config" replaces "CONFIG"'s Env but not its WorkingDir.
	srcArmR = recordingResolver{
		config: `{"architecture":"arm64","variant":"v8","os":"linux","os.features":["b","a","b"],"CONFIG":{"env":["X=1"],"workingdir":"rel"},"config":{"Env":["Y=2"]}}`,
		digest: digestB,
	}
	srcPinR     = recordingResolver{config: `null`, digest: digestB, ref: "docker.io/library/alpine:3.20"}
	srcBadR     = recordingResolver{config: `{"config":{"Env":"notalist"}}`, digest: digestA}
	srcBadTime  = recordingResolver{config: `{"created":"yesterday","os":"linux","architecture":"amd64"}`, digest: digestA}
	srcGoodTime = recordingResolver{
		config: `{"created":"2023-11-14T22:13:20.123456789Z","history":[{"created":"2023-11-14T22:13:20+01:00","empty_layer":true}],"rootfs":{"type":"layers","diff_ids":["sha256:x"]},"os":"linux","architecture":"arm","config":{"Labels":{"a":"b"},"ExposedPorts":{"80/tcp":{}},"Env":["A=1",null]}}`,
		digest: digestA,
	}
	srcArm = llb.Platform(ocispecs.Platform{OS: "linux", Architecture: "arm"})
)

var sourceTableCases = map[string]func() llb.State{
	"image-busybox":       func() llb.State { return llb.Image("busybox") },
	"image-tag-digest":    func() llb.State { return llb.Image("busybox:1.36@" + string(digestA)) },
	"image-digest":        func() llb.State { return llb.Image("busybox@" + string(digestA)) },
	"image-invalid":       func() llb.State { return llb.Image("Busybox") },
	"image-invalid-empty": func() llb.State { return llb.Image("") },
	"image-opts": func() llb.State {
		return llb.Image("alpine:3.20", llb.ResolveModeForcePull, llb.MarkImageInternal, llb.WithLayerLimit(0), llb.WithImageChecksum(digestB), srcArm, llb.WithCustomName("img"))
	},
	"image-mode-local":   func() llb.State { return llb.Image("alpine", llb.ResolveModePreferLocal) },
	"image-mode-default": func() llb.State { return llb.Image("alpine", llb.ResolveModeDefault) },
	"image-resolver": func() llb.State {
		return llb.Image("alpine:3.20", llb.WithMetaResolver(srcAmd64R)).AddEnv("LANG", "after")
	},
	"image-resolver-platform": func() llb.State {
		return llb.Image("alpine:3.20", llb.WithMetaResolver(srcArmR), srcArm, llb.ResolveModeForcePull)
	},
	"image-resolver-digest": func() llb.State {
		return llb.Image("alpine", llb.WithMetaResolver(srcArmR), llb.ResolveDigest(true))
	},
	"image-resolver-digest-pinref": func() llb.State {
		return llb.Image("alpine", llb.WithMetaResolver(srcPinR), llb.ResolveDigest(true)).Dir("sub")
	},
	"image-resolver-digested-ref": func() llb.State {
		return llb.Image("alpine@"+string(digestA), llb.WithMetaResolver(srcAmd64R), llb.ResolveDigest(true))
	},
	"image-resolver-bad":      func() llb.State { return llb.Image("alpine", llb.WithMetaResolver(srcBadR)) },
	"image-resolver-badtime":  func() llb.State { return llb.Image("alpine", llb.WithMetaResolver(srcBadTime)) },
	"image-resolver-goodtime": func() llb.State { return llb.Image("alpine", llb.WithMetaResolver(srcGoodTime)) },
	"blob": func() llb.State {
		return llb.ImageBlob("busybox@"+string(digestA), llb.Filename("layer.tar"), llb.Chmod(0o1644), llb.Chown(1, 0), llb.ImageBlobOCIStore("s", "t"))
	},
	"blob-tagged":   func() llb.State { return llb.ImageBlob("busybox:1@" + string(digestA)) },
	"blob-nodigest": func() llb.State { return llb.ImageBlob("busybox") },
	"blob-invalid":  func() llb.State { return llb.ImageBlob("UPPER@" + string(digestA)) },
	"oci-blob": func() llb.State {
		return llb.OCILayoutBlob("docker.io/library/app@"+string(digestB), llb.ImageBlobOCIStore("sess-2", "store-2"), llb.Chown(0, 7))
	},
	"local-basic": func() llb.State { return llb.Local("context") },
	"local-all": func() llb.State {
		return llb.Local("ctx",
			llb.IncludePatterns([]string{"a<b>&c", "q\"\\", "tab\tnl\n\x01", "\u2028x\u00e9"}),
			llb.ExcludePatterns([]string{"node_modules"}),
			llb.FollowPaths([]string{"src"}),
			llb.SharedKeyHint("hint"),
			llb.Differ(llb.DiffNone, true),
			llb.MetadataOnlyTransfer([]string{"*.go"}),
			llb.LocalUniqueID("per-local"),
			llb.WithCustomName("load ctx"),
			srcArm,
		)
	},
	"local-session": func() llb.State {
		return llb.Local("ctx", llb.SessionID("sess"), llb.Differ(llb.DiffMetadata, false), llb.MetadataOnlyTransfer(nil), llb.IncludePatterns([]string{}))
	},
	"git-opts": func() llb.State {
		return llb.Git("https://github.com/moby/buildkit.git", "v1:/docs//ref/",
			llb.KeepGitDir(),
			llb.AuthTokenSecret(""),
			llb.GitChecksum("abc"),
			llb.GitSkipSubmodules(),
			llb.GitMTime("commit"),
			llb.GitFetchByCommit(),
			llb.GitBundleURL("oci-layout+blob://b@"+string(digestA), llb.GitBundleOCIStore("s", "")),
			llb.GitCheckoutBundle(),
			srcArm,
		)
	},
	"git-ssh": func() llb.State {
		return llb.Git("ssh://git@example.com:2222/org/repo.git", ":sub",
			llb.KnownSSHHosts("a\n\n"), llb.KnownSSHHosts(""), llb.KnownSSHHosts("b"),
			llb.MountSSHSock("my"), llb.GitSubDir("/x//y"))
	},
	"git-ref-only":     func() llb.State { return llb.Git("https://h/r", "ref:", llb.AuthHeaderSecret("H")) },
	"git-ref-override": func() llb.State { return llb.Git("https://h/r", "ref:sub", llb.GitRef("")) },
	"http-all": func() llb.State {
		return llb.HTTP("https://example.com/x",
			llb.Checksum(digestA),
			llb.Filename("f"),
			llb.Chmod(0o755),
			llb.Chown(1000, 1001),
			llb.AuthHeaderSecret("AUTH"),
			llb.Header(llb.HTTPHeader{Accept: "a", UserAgent: "u"}),
			llb.VerifyPGPSignature(llb.HTTPSignatureInfo{PubKey: []byte("pub"), Signature: []byte("sig")}),
			srcArm,
		)
	},
	"http-empty-header": func() llb.State {
		return llb.HTTP("https://example.com/x", llb.Header(llb.HTTPHeader{}), llb.Chmod(0o1000), llb.VerifyPGPSignature(llb.HTTPSignatureInfo{}))
	},
	"http-empty-url": func() llb.State { return llb.HTTP("") },
	"oci-layout": func() llb.State {
		return llb.OCILayout("my-image@"+string(digestA), llb.OCIStore("sess-1", "store-1"), llb.OCILayerLimit(3), llb.OCIChecksum(digestB))
	},
	"oci-layout-platform": func() llb.State { return llb.OCILayout("x", srcArm, llb.OCILayerLimit(0)) },
}

// sourceRow is one row of the source table.
func sourceRow(name string) []any {
	build, ok := sourceTableCases[name]
	if !ok {
		panic(fmt.Sprintf("source: no case %q in table_source.go", name))
	}
	sourceCalls = nil
	ctx := context.Background()
	st := build()
	def, err := st.Marshal(ctx, llb.LinuxAmd64, llb.LocalUniqueID("golden-unique"))
	if err != nil {
		return []any{name, map[string]any{"err": err.Error()}}
	}
	out := map[string]any{}
	ops := make([]string, len(def.Def))
	for i, dt := range def.Def {
		ops[i] = digest.FromBytes(dt).String()
	}
	out["ops"] = ops
	caps := []string{}
	for c := range def.Metadata[digest.FromBytes(def.Def[0])].Caps {
		caps = append(caps, string(c))
	}
	slices.Sort(caps)
	out["caps"] = caps
	var op pb.Op
	if err := op.UnmarshalVT(def.Def[0]); err != nil {
		panic(err)
	}
	out["id"] = op.GetSource().Identifier
	attrs := op.GetSource().Attrs
	if attrs == nil {
		attrs = map[string]string{}
	}
	out["attrs"] = attrs
	env, err := st.Env(ctx)
	if err != nil {
		panic(err)
	}
	if e := env.ToArray(); len(e) > 0 {
		out["env"] = e
	}
	dir, err := st.GetDir(ctx)
	if err != nil {
		panic(err)
	}
	out["dir"] = dir
	p, err := st.GetPlatform(ctx)
	if err != nil {
		panic(err)
	}
	if p != nil {
		out["platform"] = p.OS + "/" + p.Architecture + "/" + p.Variant + "/" + p.OSVersion + "[" + strings.Join(p.OSFeatures, " ") + "]"
	}
	if len(sourceCalls) > 0 {
		out["calls"] = sourceCalls
	}
	return []any{name, out}
}
