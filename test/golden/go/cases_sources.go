package main

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/llbbuild"
)

var localCases = []Case{
	{
		Name:  "local-basic",
		Doc:   "llb.Local(\"context\"): local.unique from the marshal-level LocalUniqueID(\"golden-unique\")",
		State: func() llb.State { return llb.Local("context") },
	},
	{
		Name: "local-patterns",
		Doc:  "IncludePatterns, ExcludePatterns, FollowPaths (JSON-encoded arrays) + SharedKeyHint",
		State: func() llb.State {
			return llb.Local("context",
				llb.IncludePatterns([]string{"src/**", "package.json", "*.ts"}),
				llb.ExcludePatterns([]string{"node_modules", "**/*.log", "!keep.log"}),
				llb.FollowPaths([]string{"src", "package.json"}),
				llb.SharedKeyHint("context-hint"),
			)
		},
	},
	{
		Name: "local-empty-patterns",
		Doc:  "empty pattern lists emit no attrs (and no caps)",
		State: func() llb.State {
			return llb.Local("context", llb.IncludePatterns(nil), llb.ExcludePatterns([]string{}), llb.FollowPaths(nil))
		},
	},
	{
		Name: "local-differ",
		Doc:  "Merge of Differ(DiffNone, required=true) [cap] and Differ(DiffMetadata, required=false) [no cap]",
		State: func() llb.State {
			return llb.Merge([]llb.State{
				llb.Local("a", llb.Differ(llb.DiffNone, true)),
				llb.Local("b", llb.Differ(llb.DiffMetadata, false)),
			})
		},
	},
	{
		Name: "local-session-id",
		Doc:  "SessionID set: no local.unique attr is added",
		State: func() llb.State {
			return llb.Local("context", llb.SessionID("session-123"))
		},
	},
	{
		Name: "local-unique-id-option",
		Doc:  "per-local LocalUniqueID option overrides the marshal-level one; custom name",
		State: func() llb.State {
			return llb.Local("context", llb.LocalUniqueID("per-local-id"), llb.WithCustomName("[internal] load context"))
		},
	},
	{
		Name: "local-metadata-transfer",
		Doc:  "Merge of MetadataOnlyTransfer(nil) and MetadataOnlyTransfer([\"*.go\",\"go.mod\"])",
		State: func() llb.State {
			return llb.Merge([]llb.State{
				llb.Local("a", llb.MetadataOnlyTransfer(nil)),
				llb.Local("b", llb.MetadataOnlyTransfer([]string{"*.go", "go.mod"})),
			})
		},
	},
}

const knownHosts = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

var gitCases = []Case{
	{
		Name:  "git-https",
		Doc:   "https URL, no fragment: default GIT_AUTH_TOKEN/GIT_AUTH_HEADER secret attrs, full URL attr",
		State: func() llb.State { return llb.Git("https://github.com/moby/buildkit.git", "") },
	},
	{
		Name:  "git-ref-subdir-fragment",
		Doc:   "fragment \"v0.11.6:/docs//reference/\" → ref v0.11.6, subdir cleaned to docs/reference",
		State: func() llb.State { return llb.Git("https://github.com/moby/buildkit.git", "v0.11.6:/docs//reference/") },
	},
	{
		Name: "git-ref-subdir-options",
		Doc:  "GitRef + GitSubDir options + KeepGitDir",
		State: func() llb.State {
			return llb.Git("https://github.com/moby/buildkit.git", "", llb.GitRef("main"), llb.GitSubDir("frontend"), llb.KeepGitDir())
		},
	},
	{
		Name:  "git-no-scheme",
		Doc:   "URL without scheme gets https:// prepended",
		State: func() llb.State { return llb.Git("github.com/moby/buildkit", "master") },
	},
	{
		Name:  "git-url-fragment-ignored",
		Doc:   "#fragment inside the URL is stripped from the remote and NOT used as ref",
		State: func() llb.State { return llb.Git("https://github.com/moby/buildkit.git#v0.1.0:sub", "") },
	},
	{
		Name: "git-auth-secrets",
		Doc:  "AuthTokenSecret + AuthHeaderSecret custom names (adds git.http.auth cap)",
		State: func() llb.State {
			return llb.Git("https://gitlab.com/org/repo.git", "main", llb.AuthTokenSecret("MY_TOKEN"), llb.AuthHeaderSecret("MY_HEADER"))
		},
	},
	{
		Name: "git-ssh-known-hosts",
		Doc:  "scp-style ssh URL with KnownSSHHosts (no keyscan) and default mountsshsock",
		State: func() llb.State {
			return llb.Git("git@github.com:moby/buildkit.git", "v0.12.0", llb.KnownSSHHosts(knownHosts))
		},
	},
	{
		Name: "git-ssh-mount-sock",
		Doc:  "ssh:// URL with two KnownSSHHosts entries (joined with \\n) and MountSSHSock(\"my-ssh\")",
		State: func() llb.State {
			return llb.Git("ssh://git@example.com:2222/org/repo.git", "",
				llb.KnownSSHHosts("example.com ssh-rsa AAAA1\n"),
				llb.KnownSSHHosts("[example.com]:2222 ssh-rsa AAAA2"),
				llb.MountSSHSock("my-ssh"))
		},
	},
	{
		Name: "git-options",
		Doc:  "GitChecksum, GitSkipSubmodules, GitMTimeCommit, GitFetchByCommit",
		State: func() llb.State {
			return llb.Git("https://github.com/moby/buildkit.git", "refs/tags/v0.13.0",
				llb.GitChecksum("0123456789abcdef0123456789abcdef01234567"),
				llb.GitSkipSubmodules(),
				llb.GitMTimeCommit(),
				llb.GitFetchByCommit())
		},
	},
	{
		Name: "git-bundle",
		Doc:  "GitBundleURL(oci-layout+blob://…, GitBundleOCIStore) + GitChecksum, and GitCheckoutBundle",
		State: func() llb.State {
			return llb.Git("https://github.com/moby/buildkit.git", "main",
				llb.GitChecksum("0123456789abcdef0123456789abcdef01234567"),
				llb.GitBundleURL("oci-layout+blob://bundles@"+string(digestA), llb.GitBundleOCIStore("sess-1", "store-1")),
				llb.GitCheckoutBundle())
		},
	},
}

var httpCases = []Case{
	{
		Name:  "http-basic",
		Doc:   "plain https URL",
		State: func() llb.State { return llb.HTTP("https://example.com/file.tar.gz") },
	},
	{
		Name: "http-options",
		Doc:  "Checksum, Filename, Chmod(0755 → \"0755\"), Chown(1000,1001) (cap soruce.http.uidgid)",
		State: func() llb.State {
			return llb.HTTP("https://example.com/tool",
				llb.Checksum(digestA),
				llb.Filename("tool.bin"),
				llb.Chmod(0o755),
				llb.Chown(1000, 1001))
		},
	},
	{
		Name: "http-headers-auth",
		Doc:  "Header{Accept, UserAgent} (http.header.* attrs), AuthHeaderSecret, Chmod(0600)",
		State: func() llb.State {
			return llb.HTTP("https://example.com/api/data.json",
				llb.Header(llb.HTTPHeader{Accept: "application/json", UserAgent: "tsfrontend/1.0"}),
				llb.AuthHeaderSecret("HTTP_AUTH"),
				llb.Chmod(0o600))
		},
	},
	{
		Name: "http-signature",
		Doc:  "VerifyPGPSignature with pubkey and signature; Header with only Accept",
		State: func() llb.State {
			return llb.HTTP("https://example.com/release.tgz",
				llb.Header(llb.HTTPHeader{Accept: "*/*"}),
				llb.VerifyPGPSignature(llb.HTTPSignatureInfo{
					PubKey:    []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\nkey\n-----END PGP PUBLIC KEY BLOCK-----\n"),
					Signature: []byte("-----BEGIN PGP SIGNATURE-----\nsig\n-----END PGP SIGNATURE-----\n"),
				}))
		},
	},
}

var otherSourceCases = []Case{
	{
		Name: "oci-layout",
		Doc:  "OCILayout with OCIStore, OCILayerLimit and OCIChecksum (OCIChecksum is a no-op in v0.32.2)",
		State: func() llb.State {
			return llb.OCILayout("my-image@"+string(digestA),
				llb.OCIStore("sess-1", "store-1"),
				llb.OCILayerLimit(3),
				llb.OCIChecksum(digestB))
		},
	},
	{
		Name: "image-blob",
		Doc:  "ImageBlob (docker-image+blob://, normalised ref) with Filename, Chmod, Chown; not platform specific",
		State: func() llb.State {
			return llb.ImageBlob("busybox@"+string(digestA), llb.Filename("layer.tar"), llb.Chmod(0o644), llb.Chown(1, 2))
		},
	},
	{
		Name: "oci-layout-blob",
		Doc:  "OCILayoutBlob with ImageBlobOCIStore and Filename",
		State: func() llb.State {
			return llb.OCILayoutBlob("docker.io/library/app@"+string(digestB), llb.ImageBlobOCIStore("sess-2", "store-2"), llb.Filename("blob.bin"))
		},
	},
	{
		Name:  "scratch-empty",
		Doc:   "llb.Scratch() marshals to an empty Definition (0 bytes)",
		State: func() llb.State { return llb.Scratch() },
	},
	{
		Name: "llbbuild-build",
		Doc:  "llbbuild.Build(WithFilename) on a Local source (BuildOp with builder -1 and input \"buildkit.llb.definition\")",
		State: func() llb.State {
			return llb.Local("defs").With(llbbuild.Build(llbbuild.WithFilename("build.llb")))
		},
	},
}
