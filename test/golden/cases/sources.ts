/** Golden cases mirroring test/golden/go/cases_sources.go. */

import { buildOp, git, http, imageBlob, local, merge, ociLayout, ociLayoutBlob, scratch } from "../../../src/llb/index.js";
import type { GoldenCase } from "../case.js";
import { digestA, digestB } from "./digests.js";

const knownHosts = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

const localCases: GoldenCase[] = [
  { name: "local-basic", state: () => local("context") },
  {
    name: "local-patterns",
    state: () =>
      local("context", {
        includePatterns: ["src/**", "package.json", "*.ts"],
        excludePatterns: ["node_modules", "**/*.log", "!keep.log"],
        followPaths: ["src", "package.json"],
        sharedKeyHint: "context-hint",
      }),
  },
  {
    name: "local-empty-patterns",
    state: () => local("context", { includePatterns: undefined, excludePatterns: [], followPaths: undefined }),
  },
  {
    name: "local-differ",
    state: () =>
      merge([
        local("a", { differ: { type: "none", required: true } }),
        local("b", { differ: { type: "metadata", required: false } }),
      ]),
  },
  { name: "local-session-id", state: () => local("context", { sessionID: "session-123" }) },
  {
    name: "local-unique-id-option",
    state: () => local("context", { localUniqueID: "per-local-id", customName: "[internal] load context" }),
  },
  {
    name: "local-metadata-transfer",
    state: () =>
      merge([local("a", { metadataOnlyTransfer: true }), local("b", { metadataOnlyTransfer: ["*.go", "go.mod"] })]),
  },
];

const gitCases: GoldenCase[] = [
  { name: "git-https", state: () => git("https://github.com/moby/buildkit.git", "") },
  { name: "git-ref-subdir-fragment", state: () => git("https://github.com/moby/buildkit.git", "v0.11.6:/docs//reference/") },
  {
    name: "git-ref-subdir-options",
    state: () => git("https://github.com/moby/buildkit.git", "", { ref: "main", subdir: "frontend", keepGitDir: true }),
  },
  { name: "git-no-scheme", state: () => git("github.com/moby/buildkit", "master") },
  { name: "git-url-fragment-ignored", state: () => git("https://github.com/moby/buildkit.git#v0.1.0:sub", "") },
  {
    name: "git-auth-secrets",
    state: () =>
      git("https://gitlab.com/org/repo.git", "main", { authTokenSecret: "MY_TOKEN", authHeaderSecret: "MY_HEADER" }),
  },
  {
    name: "git-ssh-known-hosts",
    state: () => git("git@github.com:moby/buildkit.git", "v0.12.0", { knownSSHHosts: knownHosts }),
  },
  {
    name: "git-ssh-mount-sock",
    state: () =>
      git("ssh://git@example.com:2222/org/repo.git", "", {
        knownSSHHosts: ["example.com ssh-rsa AAAA1\n", "[example.com]:2222 ssh-rsa AAAA2"],
        mountSSHSock: "my-ssh",
      }),
  },
  {
    name: "git-options",
    state: () =>
      git("https://github.com/moby/buildkit.git", "refs/tags/v0.13.0", {
        checksum: "0123456789abcdef0123456789abcdef01234567",
        skipSubmodules: true,
        mtime: "commit",
        fetchByCommit: true,
      }),
  },
  {
    name: "git-bundle",
    state: () =>
      git("https://github.com/moby/buildkit.git", "main", {
        checksum: "0123456789abcdef0123456789abcdef01234567",
        bundle: { locator: "oci-layout+blob://bundles@" + digestA, ociStore: { sessionID: "sess-1", storeID: "store-1" } },
        checkoutBundle: true,
      }),
  },
];

const httpCases: GoldenCase[] = [
  { name: "http-basic", state: () => http("https://example.com/file.tar.gz") },
  {
    name: "http-options",
    state: () =>
      http("https://example.com/tool", {
        checksum: digestA,
        filename: "tool.bin",
        chmod: 0o755,
        chown: { uid: 1000, gid: 1001 },
      }),
  },
  {
    name: "http-headers-auth",
    state: () =>
      http("https://example.com/api/data.json", {
        header: { accept: "application/json", userAgent: "tsfrontend/1.0" },
        authHeaderSecret: "HTTP_AUTH",
        chmod: 0o600,
      }),
  },
  {
    name: "http-signature",
    state: () =>
      http("https://example.com/release.tgz", {
        header: { accept: "*/*" },
        verifyPGPSignature: {
          pubKey: "-----BEGIN PGP PUBLIC KEY BLOCK-----\nkey\n-----END PGP PUBLIC KEY BLOCK-----\n",
          signature: "-----BEGIN PGP SIGNATURE-----\nsig\n-----END PGP SIGNATURE-----\n",
        },
      }),
  },
];

const otherSourceCases: GoldenCase[] = [
  {
    name: "oci-layout",
    state: () =>
      ociLayout("my-image@" + digestA, {
        ociStore: { sessionID: "sess-1", storeID: "store-1" },
        layerLimit: 3,
        checksum: digestB,
      }),
  },
  {
    name: "image-blob",
    state: () => imageBlob("busybox@" + digestA, { filename: "layer.tar", chmod: 0o644, chown: { uid: 1, gid: 2 } }),
  },
  {
    name: "oci-layout-blob",
    state: () =>
      ociLayoutBlob("docker.io/library/app@" + digestB, {
        ociStore: { sessionID: "sess-2", storeID: "store-2" },
        filename: "blob.bin",
      }),
  },
  { name: "scratch-empty", state: () => scratch() },
  { name: "llbbuild-build", state: () => local("defs").with(buildOp({ filename: "build.llb" })) },
];

export const cases: GoldenCase[] = [...localCases, ...gitCases, ...httpCases, ...otherSourceCases];
