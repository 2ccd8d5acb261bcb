/**
 * Source ops. Expected values come from Go (buildkit v0.32.2 client/llb,
 * Go 1.26, marshalled with linux/amd64 and LocalUniqueID("golden-unique")):
 * op digests (each the sha256 of Go's op bytes, so equal digests mean equal
 * bytes), the source op's caps, identifier and attrs, and the state values.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newConstraints } from "./constraints.js";
import type { Platform } from "./platform.js";
import {
  git,
  http,
  image,
  imageBlob,
  local,
  ociLayout,
  ociLayoutBlob,
  SourceOp,
  type ImageMetaResolver,
} from "./source.js";
import { goJSONStringArray } from "./imageconfig.js";
import { parseGitURL } from "./giturl.js";
import { scratch, type State } from "./state.js";

const amd64: Platform = { os: "linux", architecture: "amd64" };
const arm: Platform = { os: "linux", architecture: "arm" };
const dA = "sha256:" + "a".repeat(64);
const dB = "sha256:" + "b".repeat(64);
const marshalOpts = { platform: amd64, localUniqueID: "golden-unique" };
const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

interface GoCase {
  ops?: string[];
  caps?: string[];
  id?: string;
  attrs?: Record<string, string>;
  env?: string[];
  dir?: string;
  platform?: string;
  calls?: string[];
  err?: string;
}

const goCases: Record<string, GoCase> = {
  "blob": {"ops": ["sha256:b1f00cffb668dd60bcc87e1cae728319f7bbcbeb2dc9cc569a53ddb93fe81c80", "sha256:ed39677f9b4e29da95ae74de3df4322e3aa57c73dddfa3c58f1e0bebde98d3a4"], "caps": ["source.imageblob"], "id": "docker-image+blob://docker.io/library/busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "attrs": {"http.filename": "layer.tar", "http.perm": "0644", "http.uid": "1"}, "dir": "/"},
  "blob-invalid": {"err": "invalid reference format: repository name (library/UPPER@sha256) must be lowercase"},
  "blob-nodigest": {"err": "checksum required in blob reference"},
  "blob-tagged": {"err": "tagged image reference not allowed for blob reference"},
  "git-opts": {"ops": ["sha256:2cd785543d9dc9ed51be5185a8129785724901a805831c7d71d8e746b47781b7", "sha256:af9b898f971c24ab9eb2be71774dc53ba5d62e35a979b4e6485201dc31fe57ad"], "caps": ["source.git", "source.git.bundle", "source.git.checkoutbundle", "source.git.checksum", "source.git.fetchbycommit", "source.git.fullurl", "source.git.httpauth", "source.git.keepgitdir", "source.git.mtime", "source.git.skipsubmodules"], "id": "git://github.com/moby/buildkit.git#v1:docs/ref", "attrs": {"git.authheadersecret": "GIT_AUTH_HEADER", "git.bundle": "oci-layout+blob://b@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "git.checkoutbundle": "true", "git.checksum": "abc", "git.fetchbycommit": "true", "git.fullurl": "https://github.com/moby/buildkit.git", "git.keepgitdir": "true", "git.mtime": "commit", "git.skipsubmodules": "true", "oci.session": "s"}, "dir": "/", "platform": "linux/arm/v7/[]"},
  "git-ref-only": {"ops": ["sha256:7c7e1fe6b2e8179a50fd7026bb57d9392806e8ac1845504deaf4fd0d7be81015", "sha256:3415b241a2e160475f044b4f019e8bcb42cf079f5541cef985fc8fcc7a854f7f"], "caps": ["source.git", "source.git.fullurl", "source.git.httpauth"], "id": "git://h/r#ref", "attrs": {"git.authheadersecret": "H", "git.authtokensecret": "GIT_AUTH_TOKEN", "git.fullurl": "https://h/r"}, "dir": "/"},
  "git-ref-override": {"ops": ["sha256:f82c9ae20aba7045863671350b268f14493fd59cd0d68bea1e74d94ad0ca3162", "sha256:b81dbde63b1ac25a4584bb55055ede7bab9daed2fe9983fb6c3b282ed18bbb51"], "caps": ["source.git", "source.git.fullurl"], "id": "git://h/r#:sub", "attrs": {"git.authheadersecret": "GIT_AUTH_HEADER", "git.authtokensecret": "GIT_AUTH_TOKEN", "git.fullurl": "https://h/r"}, "dir": "/"},
  "git-ssh": {"ops": ["sha256:f6f45937aaff78911b873a3ebf2ad1da1093695856de0a64d98fda31e8cc7f7b", "sha256:dc7676342e1ca3eea8c8c79d20ddf8b478e0d13212944510afbc7872ebae1b50"], "caps": ["source.git", "source.git.fullurl", "source.git.knownsshhosts", "source.git.mountsshsock"], "id": "git://example.com:2222/org/repo.git#:/x//y", "attrs": {"git.authheadersecret": "GIT_AUTH_HEADER", "git.authtokensecret": "GIT_AUTH_TOKEN", "git.fullurl": "ssh://git@example.com:2222/org/repo.git", "git.knownsshhosts": "a\n\n\nb\n", "git.mountsshsock": "my"}, "dir": "/"},
  "http-all": {"ops": ["sha256:1f73ad5912c85531272c01abaa9a3254a1e04a8978562f08ad53625d4ac14028", "sha256:af1b1a4c5cb8668f632dd740912e17874a27a65b674fbed192fd0ac973ba10f2"], "caps": ["soruce.http.uidgid", "source.http", "source.http.auth", "source.http.checksum", "source.http.header", "source.http.perm", "source.http.signatureverify"], "id": "https://example.com/x", "attrs": {"http.authheadersecret": "AUTH", "http.checksum": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "http.filename": "f", "http.gid": "1001", "http.header.accept": "a", "http.header.user-agent": "u", "http.perm": "0755", "http.sig.pubkey": "pub", "http.sig.signature": "sig", "http.uid": "1000"}, "dir": "/", "platform": "linux/arm/v7/[]"},
  "http-empty-header": {"ops": ["sha256:67c3f875e1b4594239b2f6b1df68105ac14aced0627a0ec329bd3ecf046d2c39", "sha256:2d0ead05d5683c633fe67fca1748519bdc02baf2a6fc3b30b1d5ca9c5f9fa504"], "caps": ["source.http", "source.http.header", "source.http.signatureverify"], "id": "https://example.com/x", "attrs": {}, "dir": "/"},
  "http-empty-url": {"err": "source identifier can't be empty"},
  "image-busybox": {"ops": ["sha256:e1432b8e2054abb034451c15f0a8ad49d07f5892ca266016226fec77e95d20a0", "sha256:ed184c8ee1441a77d21fb2e07c870c7dca33c5e9b47f5033e4d70507d8c1f8c7"], "caps": ["source.image"], "id": "docker-image://docker.io/library/busybox:latest", "attrs": {}, "dir": "/"},
  "image-digest": {"ops": ["sha256:28deba34b0c0e687bd7aa6b8bb31413ddcccb03c5c5080cdac7b7f65da2a5e22", "sha256:aa8ae427ff5b100ce8bfd5dfda62c6aad080149a077f34355c110275a57466f2"], "caps": ["source.image"], "id": "docker-image://docker.io/library/busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "attrs": {}, "dir": "/"},
  "image-invalid": {"err": "invalid reference format: repository name (library/Busybox) must be lowercase"},
  "image-invalid-empty": {"err": "invalid reference format"},
  "image-mode-default": {"ops": ["sha256:a7f9733e307dd352c82d43053b783dd17bb2ec2c36214908ce393e41545c8b51", "sha256:91d1ea452bdb17a7987049c214be5a0ebfc499b11003e057978043b827bee403"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine:latest", "attrs": {}, "dir": "/"},
  "image-mode-local": {"ops": ["sha256:b745266ee7839950e44ca61143ac2eb918a62a03316167b0a09f6575f01c1031", "sha256:1ecfc26488b74bc1b56c635a76191a817d101c62b40636e9b655f7204dcb6f4a"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine:latest", "attrs": {"image.resolvemode": "local"}, "dir": "/"},
  "image-opts": {"ops": ["sha256:16336cb5e9b9f630cbcfd192104f3a3ef79b051369f05fe992a5f957102c2554", "sha256:fa12fc4b13a54dd2624f76fde5156bbfe81be1a0999bd570da11ee1284909948"], "caps": ["source.image", "source.image.checksum", "source.image.layerlimit", "source.image.resolvemode"], "id": "docker-image://docker.io/library/alpine:3.20", "attrs": {"image.checksum": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "image.layerlimit": "0", "image.recordtype": "internal", "image.resolvemode": "pull"}, "dir": "/", "platform": "linux/arm/v7/[]"},
  "image-resolver": {"ops": ["sha256:52ad980af60eade03cf05fce2206c19483941c8d9a53f43a293199ac3344a235", "sha256:04ac19a61120327364019e848986c47f183e52ecfbbebd38ceaffc072e8d0a30"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine:3.20", "attrs": {}, "env": ["PATH=/usr/bin", "EMPTY=", "NOEQUALS=", "A=b=c", "LANG=after"], "dir": "/srv/app", "platform": "linux/amd64//[]", "calls": ["docker.io/library/alpine:3.20|linux/amd64/|default"]},
  "image-resolver-bad": {"err": "json: cannot unmarshal string into Go struct field ImageConfig.config.Env of type []string"},
  "image-resolver-badtime": {"err": "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\""},
  "image-resolver-digest": {"ops": ["sha256:e6ce7032a17e92b959e1d388844abd5ea710d9892ae666ba75d1d968bdac6594", "sha256:35affcff26d39986ca68b5f5c3a512dbba08a94d46cfc185ded6300229402802"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine:latest@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "attrs": {}, "env": ["Y=2"], "dir": "/rel", "platform": "linux/arm64//[a b]", "calls": ["docker.io/library/alpine:latest|linux/amd64/|default"]},
  "image-resolver-digest-pinref": {"ops": ["sha256:f669c66be01d679d5a6ebd28a3f35588df51e104ce1eed6cb9ecf090cf9cf93e", "sha256:7babdc646189450f077cd7301dcd0738b3524ad557c5e1f7270f3343ef7dc7f9"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine:3.20@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "attrs": {}, "dir": "/sub", "calls": ["docker.io/library/alpine:latest|linux/amd64/|default"]},
  "image-resolver-digested-ref": {"ops": ["sha256:b53f087c5180901aefa745e6b738b953a0175aa7b946cf4ca8a52c4ad404662b", "sha256:c9e61799fb46fae9f7fd6698d6ee903a12d083a5722ac040231aff384713c475"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "attrs": {}, "env": ["PATH=/usr/bin", "LANG=C.UTF-8", "EMPTY=", "NOEQUALS=", "A=b=c"], "dir": "/srv/app", "platform": "linux/amd64//[]", "calls": ["docker.io/library/alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|linux/amd64/|default"]},
  "image-resolver-goodtime": {"ops": ["sha256:a7f9733e307dd352c82d43053b783dd17bb2ec2c36214908ce393e41545c8b51", "sha256:91d1ea452bdb17a7987049c214be5a0ebfc499b11003e057978043b827bee403"], "caps": ["source.image"], "id": "docker-image://docker.io/library/alpine:latest", "attrs": {}, "env": ["A=1"], "dir": "/", "platform": "linux/arm/v7/[]", "calls": ["docker.io/library/alpine:latest|linux/amd64/|default"]},
  "image-resolver-platform": {"ops": ["sha256:46edb724c0d2f4b153f2074fec9802a4acb3e62f9dde27f086eb6b3e5e418e10", "sha256:92f2f9638457bd2aa298ae6065a8cb5ab1f70c479c3ee02c7106d38a5dfc50a8"], "caps": ["source.image", "source.image.resolvemode"], "id": "docker-image://docker.io/library/alpine:3.20", "attrs": {"image.resolvemode": "pull"}, "env": ["Y=2"], "dir": "/rel", "platform": "linux/arm64//[a b]", "calls": ["docker.io/library/alpine:3.20|linux/arm/|pull"]},
  "image-tag-digest": {"ops": ["sha256:202617eeb3cdbb1f0efaf7af2e4e77b0eeea6559b0027c100f80aba58a8a70fc", "sha256:e72645741267ee942da9222fc6fd01fdefb41bf71c541a015b163426436c89da"], "caps": ["source.image"], "id": "docker-image://docker.io/library/busybox:1.36@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "attrs": {}, "dir": "/"},
  "local-all": {"ops": ["sha256:af38fc67e585e3777ce98fa2c1e1e98d68328ef649df6172f959952885347756", "sha256:a4c171639a8035bceb53ec4a38d47b8d11e3002ec21a5d21a4fa2b1b94ff53fd"], "caps": ["source.local", "source.local.differ", "source.local.excludepatterns", "source.local.followpaths", "source.local.includepatterns", "source.local.metadatatransfer", "source.local.sharedkeyhint", "source.local.unique"], "id": "local://ctx", "attrs": {"local.differ": "none", "local.excludepatterns": "[\"node_modules\"]", "local.followpaths": "[\"src\"]", "local.includepattern": "[\"a\\u003cb\\u003e\\u0026c\",\"q\\\"\\\\\",\"tab\\tnl\\n\\u0001\",\"\\u2028x\u00e9\"]", "local.metadatatransfer": "true", "local.metadatatransferexclude": "[\"*.go\"]", "local.sharedkeyhint": "hint", "local.unique": "per-local"}, "dir": "/", "platform": "linux/arm/v7/[]"},
  "local-basic": {"ops": ["sha256:67fca4a8f4c868d5584eb30a6ccec914557642a17735b5e04baac2ad1ff8b231", "sha256:4f54a08147b20a0c57c92c0d8f7cbc406b749947401ece9ba9eaf53693d71465"], "caps": ["source.local", "source.local.unique"], "id": "local://context", "attrs": {"local.unique": "golden-unique"}, "dir": "/"},
  "local-session": {"ops": ["sha256:86160d613c3c80dcf8ffff4d9ea2f5e090a23f43d0db8750c428cdfcece6f12f", "sha256:e624b68cd7e8281e2d7e87a6de28da7881fd8dfc9b7ebc0093b3d20f5e30d6aa"], "caps": ["source.local", "source.local.metadatatransfer", "source.local.sessionid"], "id": "local://ctx", "attrs": {"local.differ": "metadata", "local.metadatatransfer": "true", "local.session": "sess"}, "dir": "/"},
  "oci-blob": {"ops": ["sha256:210c25d300cf18bd1471f3d1b034c622cfd727875b69bd7951d3f213ddc33a8e", "sha256:3c0da1e3e09980d33d3cec62ee740e9f5f1e906abb5bf86d4b551c76227563e8"], "caps": ["source.imageblob"], "id": "oci-layout+blob://docker.io/library/app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "attrs": {"http.gid": "7", "oci.session": "sess-2", "oci.store": "store-2"}, "dir": "/"},
  "oci-layout": {"ops": ["sha256:9303b39b69b031aa667e6dd269a8558bbf9c30b05534f4444b51e0e1432d96ca", "sha256:ac3e6ccd635a458ccd6871adce71d41483890d75025fd9f70ebe77835d9f82cb"], "caps": ["source.ocilayout"], "id": "oci-layout://my-image@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "attrs": {"oci.layerlimit": "3", "oci.session": "sess-1", "oci.store": "store-1"}, "dir": "/"},
  "oci-layout-platform": {"ops": ["sha256:45d8f33617e44ca9044095dc918d85fc9875e09a5652b89318e0a82e11e56819", "sha256:71d2ded9e82edda7e0d5034196ce733c5f789eafcc337b4d23282d56db4c8079"], "caps": ["source.ocilayout"], "id": "oci-layout://x", "attrs": {"oci.layerlimit": "0"}, "dir": "/", "platform": "linux/arm/v7/[]"},
};

let calls: string[] = [];
function fakeResolver(config: string, digest: string, ref?: string): ImageMetaResolver {
  return {
    async resolveImageConfig(r, o) {
      const p = o.platform ? `${o.platform.os}/${o.platform.architecture}/${o.platform.variant ?? ""}` : "<nil>";
      calls.push(`${r}|${p}|${o.resolveMode}`);
      return { ref: ref ?? r, digest, config: new TextEncoder().encode(config) };
    },
  };
}

const amd64R = fakeResolver(
  `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin","LANG=C.UTF-8","EMPTY=","NOEQUALS","A=b=c","=x"],"WorkingDir":"/srv/app","User":"nobody"}}`,
  dA,
);
// Keys match case-insensitively and later keys win: "config" replaces "CONFIG"'s Env but not its WorkingDir.
const armR = fakeResolver(
  `{"architecture":"arm64","variant":"v8","os":"linux","os.features":["b","a","b"],"CONFIG":{"env":["X=1"],"workingdir":"rel"},"config":{"Env":["Y=2"]}}`,
  dB,
);
const pinR = fakeResolver(`null`, dB, "docker.io/library/alpine:3.20");
const badR = fakeResolver(`{"config":{"Env":"notalist"}}`, dA);
const badTime = fakeResolver(`{"created":"yesterday","os":"linux","architecture":"amd64"}`, dA);
const goodTime = fakeResolver(
  `{"created":"2023-11-14T22:13:20.123456789Z","history":[{"created":"2023-11-14T22:13:20+01:00","empty_layer":true}],"rootfs":{"type":"layers","diff_ids":["sha256:x"]},"os":"linux","architecture":"arm","config":{"Labels":{"a":"b"},"ExposedPorts":{"80/tcp":{}},"Env":["A=1",null]}}`,
  dA,
);

const tsCases: Record<string, () => State> = {
  "image-busybox": () => image("busybox"),
  "image-tag-digest": () => image("busybox:1.36@" + dA),
  "image-digest": () => image("busybox@" + dA),
  "image-invalid": () => image("Busybox"),
  "image-invalid-empty": () => image(""),
  "image-opts": () =>
    image("alpine:3.20", { resolveMode: "pull", recordType: "internal", layerLimit: 0, checksum: dB, platform: arm, customName: "img" }),
  "image-mode-local": () => image("alpine", { resolveMode: "local" }),
  "image-mode-default": () => image("alpine", { resolveMode: "default" }),
  "image-resolver": () => image("alpine:3.20", { metaResolver: amd64R }).addEnv("LANG", "after"),
  "image-resolver-platform": () => image("alpine:3.20", { metaResolver: armR, platform: arm, resolveMode: "pull" }),
  "image-resolver-digest": () => image("alpine", { metaResolver: armR, resolveDigest: true }),
  "image-resolver-digest-pinref": () => image("alpine", { metaResolver: pinR, resolveDigest: true }).dir("sub"),
  "image-resolver-digested-ref": () => image("alpine@" + dA, { metaResolver: amd64R, resolveDigest: true }),
  "image-resolver-bad": () => image("alpine", { metaResolver: badR }),
  "image-resolver-badtime": () => image("alpine", { metaResolver: badTime }),
  "image-resolver-goodtime": () => image("alpine", { metaResolver: goodTime }),
  blob: () =>
    imageBlob("busybox@" + dA, {
      filename: "layer.tar",
      chmod: 0o1644,
      chown: { uid: 1, gid: 0 },
      ociStore: { sessionID: "s", storeID: "t" },
    }),
  "blob-tagged": () => imageBlob("busybox:1@" + dA),
  "blob-nodigest": () => imageBlob("busybox"),
  "blob-invalid": () => imageBlob("UPPER@" + dA),
  "oci-blob": () =>
    ociLayoutBlob("docker.io/library/app@" + dB, { ociStore: { sessionID: "sess-2", storeID: "store-2" }, chown: { uid: 0, gid: 7 } }),
  "local-basic": () => local("context"),
  "local-all": () =>
    local("ctx", {
      includePatterns: ["a<b>&c", 'q"\\', "tab\tnl\n\x01", "\u2028x\u00e9"],
      excludePatterns: ["node_modules"],
      followPaths: ["src"],
      sharedKeyHint: "hint",
      differ: { type: "none", required: true },
      metadataOnlyTransfer: ["*.go"],
      localUniqueID: "per-local",
      customName: "load ctx",
      platform: arm,
    }),
  "local-session": () =>
    local("ctx", { sessionID: "sess", differ: { type: "metadata", required: false }, metadataOnlyTransfer: true, includePatterns: [] }),
  "git-opts": () =>
    git("https://github.com/moby/buildkit.git", "v1:/docs//ref/", {
      keepGitDir: true,
      authTokenSecret: "",
      checksum: "abc",
      skipSubmodules: true,
      mtime: "commit",
      fetchByCommit: true,
      bundle: { locator: "oci-layout+blob://b@" + dA, ociStore: { sessionID: "s", storeID: "" } },
      checkoutBundle: true,
      platform: arm,
    }),
  "git-ssh": () =>
    git("ssh://git@example.com:2222/org/repo.git", ":sub", { knownSSHHosts: ["a\n\n", "", "b"], mountSSHSock: "my", subdir: "/x//y" }),
  "git-ref-only": () => git("https://h/r", "ref:", { authHeaderSecret: "H" }),
  "git-ref-override": () => git("https://h/r", "ref:sub", { ref: "" }),
  "http-all": () =>
    http("https://example.com/x", {
      checksum: dA,
      filename: "f",
      chmod: 0o755,
      chown: { uid: 1000, gid: 1001 },
      authHeaderSecret: "AUTH",
      header: { accept: "a", userAgent: "u" },
      verifyPGPSignature: { pubKey: new TextEncoder().encode("pub"), signature: "sig" },
      platform: arm,
    }),
  "http-empty-header": () => http("https://example.com/x", { header: {}, chmod: 0o1000, verifyPGPSignature: {} }),
  "http-empty-url": () => http(""),
  "oci-layout": () => ociLayout("my-image@" + dA, { ociStore: { sessionID: "sess-1", storeID: "store-1" }, layerLimit: 3, checksum: dB }),
  "oci-layout-platform": () => ociLayout("x", { platform: arm, layerLimit: 0 }),
};

function sourceOf(st: State): SourceOp {
  const v = st.output()?.vertex(newConstraints());
  assert.ok(v instanceof SourceOp);
  return v;
}

test("every Go case has a TS twin", () => {
  assert.deepEqual(Object.keys(tsCases).sort(), Object.keys(goCases).sort());
});

for (const [name, build] of Object.entries(tsCases)) {
  test(`Go parity: ${name}`, async () => {
    const want = goCases[name]!;
    calls = [];
    const st = build();
    if (want.err !== undefined) {
      await assert.rejects(st.marshal(marshalOpts), (e: Error) => {
        // Go's time parse error says more after the input; the rest is word for word.
        assert.ok(e.message.startsWith(name === "image-resolver-badtime" ? want.err!.split('": ')[0]! : want.err!), e.message);
        return true;
      });
      return;
    }
    const def = await st.marshal(marshalOpts);
    assert.deepEqual(def.def.map(sha), want.ops);
    const src = def.def[0]!;
    assert.deepEqual(Object.keys(def.metadata.get(sha(src))?.caps ?? {}).sort(), want.caps);
    const env = await st.resolveValue((s) => s.env().toArray());
    const dir = await st.resolveValue((s) => s.getDir());
    const p = await st.resolveValue((s) => s.getPlatform());
    assert.deepEqual(env, want.env ?? []);
    assert.equal(dir, want.dir ?? "");
    const plat = p ? `${p.os}/${p.architecture}/${p.variant ?? ""}/${p.osVersion ?? ""}[${(p.osFeatures ?? []).join(" ")}]` : "";
    assert.equal(plat, want.platform ?? "");
    assert.deepEqual(calls, want.calls ?? []);
  });
}

test("image busybox on linux/amd64 has Go's digest", async () => {
  const def = await image("busybox").marshal({ platform: amd64 });
  assert.equal(sha(def.def[0]!), "sha256:e1432b8e2054abb034451c15f0a8ad49d07f5892ca266016226fec77e95d20a0");
  assert.equal(sourceOf(image("busybox")).id, "docker-image://docker.io/library/busybox:latest");
});

// [url, identifier, git.fullurl, attr keys] or [url, null, null, marshal error], from Go:
// `golden table giturl` (test/golden/go/tables.go) recomputes them in every golden run.
const gitTable = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../test/golden/tables/giturl.json", import.meta.url)), "utf8"),
) as [string, string | null, string | null, string[] | string][];

test("git URL parsing matches gitutil.ParseURL + net/url (Go 1.26)", () => {
  for (const [url, id, fullurl, keys] of gitTable) {
    const st = git(url, "");
    if (id === null) {
      assert.throws(() => st.marshalSync(marshalOpts), { message: keys as string }, JSON.stringify(url));
      continue;
    }
    const op = sourceOf(st);
    assert.equal(op.id, id, JSON.stringify(url));
    assert.equal(op.attrs["git.fullurl"] ?? null, fullurl, JSON.stringify(url));
    assert.deepEqual(Object.keys(op.attrs).sort(), keys, JSON.stringify(url));
  }
});

test("parseGitURL exposes Go's fields", () => {
  const u = parseGitURL("git@github.com:moby/buildkit.git#v1.0.0:hack");
  assert.deepEqual(
    { scheme: u.scheme, host: u.host, path: u.path, remote: u.remote, opts: u.opts },
    { scheme: "ssh", host: "github.com", path: "moby/buildkit.git", remote: "git@github.com:moby/buildkit.git", opts: { ref: "v1.0.0", subdir: "hack" } },
  );
  const h = parseGitURL("https://github.com/moby/buildkit?ref=v1.0.0&foo=bar#v1.2.3");
  assert.deepEqual([h.host, h.path, h.remote, h.opts?.ref], ["github.com", "/moby/buildkit", "https://github.com/moby/buildkit", "v1.2.3"]);
  assert.throws(() => parseGitURL("httpx://github.com/moby/buildkit"), /invalid protocol/);
  assert.throws(() => parseGitURL("github.com/moby/buildkit"), (e: Error & { unknownProtocol?: boolean }) => e.unknownProtocol === true);
});

test("ssh remote without known hosts: no keyscan, attr left out, caps kept", () => {
  const op = sourceOf(git("git@github.com:moby/buildkit.git", "v1"));
  assert.equal(op.attrs["git.knownsshhosts"], undefined);
  assert.equal(op.attrs["git.mountsshsock"], "default");
  assert.equal(op.constraints.metadata.caps?.["source.git.knownsshhosts"], true);
  const withHosts = sourceOf(git("git@github.com:moby/buildkit.git", "", { knownSSHHosts: "github.com ssh-ed25519 AAAA\n" }));
  assert.equal(withHosts.attrs["git.knownsshhosts"], "github.com ssh-ed25519 AAAA\n");
});

test("local.unique: marshal-wide id, per-op id, random by default, none with a session", async () => {
  const st = local("ctx");
  const a = await st.marshal({ localUniqueID: "one" });
  const b = await st.marshal({ localUniqueID: "two" });
  assert.notEqual(sha(a.def[0]!), sha(b.def[0]!));
  assert.equal(sourceOf(st).attrs["local.unique"], "two");
  await st.marshal();
  assert.match(sourceOf(st).attrs["local.unique"]!, /^[0-9a-z]{25}$/);

  const own = local("ctx", { localUniqueID: "mine" });
  await own.marshal({ localUniqueID: "other" });
  assert.equal(sourceOf(own).attrs["local.unique"], "mine");

  const sess = local("ctx", { sessionID: "s" });
  const d = await sess.marshal({ localUniqueID: "x" });
  assert.equal(sourceOf(sess).attrs["local.unique"], undefined);
  assert.equal(d.metadata.get(sha(d.def[0]!))?.caps?.["source.local.unique"], undefined);
});

test("platform: kept for docker-image:// and oci-layout:// only, never the host's", async () => {
  await assert.rejects(image("busybox").marshal(), /needs a platform/);
  await assert.rejects(ociLayout("x").marshal(), /needs a platform/);
  // Sources without a platform need none.
  for (const st of [local("c"), git("https://h/r"), http("https://h/f"), imageBlob("busybox@" + dA)]) {
    const def = await st.marshal();
    assert.equal(def.def.length, 2);
  }
  // The state's platform is the op's own, normalised; the op keeps it as given.
  assert.deepEqual(image("busybox", { platform: arm }).getPlatform(), { os: "linux", architecture: "arm", variant: "v7" });
  assert.equal(local("c").getPlatform(), undefined);
});

test("builder errors are reported at marshal time, not thrown by the builder", () => {
  const st = image("UPPER");
  assert.equal(sourceOf(st).id, "docker-image://UPPER");
  assert.throws(() => st.validate(), /must be lowercase/);
  assert.throws(() => http("").marshalSync(marshalOpts), /source identifier can't be empty/);
  assert.throws(() => image("x", { layerLimit: 1.5 }).marshalSync(marshalOpts), /layerLimit must be an integer/);
  assert.throws(() => git("https://h/%ff").marshalSync(marshalOpts), /string field contains invalid UTF-8/);
});

test("async image: resolved once, marshalSync refuses it", async () => {
  let n = 0;
  const r: ImageMetaResolver = {
    async resolveImageConfig(ref) {
      n++;
      return { ref, digest: dA, config: new TextEncoder().encode(`{"config":{"Env":["A=1"]}}`) };
    },
  };
  const st = image("alpine", { metaResolver: r, resolveDigest: true });
  assert.throws(() => st.marshalSync(marshalOpts), /async/);
  const d1 = await st.marshal(marshalOpts);
  const d2 = await st.marshal(marshalOpts);
  assert.equal(n, 1);
  assert.deepEqual(d1.def, d2.def);
  assert.equal(await st.resolveValue((s) => s.getEnv("A")), "1");
});

test("withImageConfig mirrors Go's WithImageConfig", () => {
  const base = scratch().addEnv("KEEP", "1").dir("/base");
  const s = base.withImageConfig(
    `{"os":"linux","architecture":"arm64","variant":"v8","os.version":"10","config":{"Env":["A=1","KEEP=2","=skipped","B"],"WorkingDir":"rel"}}`,
  );
  assert.deepEqual(s.env().toArray(), ["A=1", "KEEP=2", "B="]);
  assert.equal(s.getDir(), "/base/rel");
  assert.deepEqual(s.getPlatform(), { os: "linux", architecture: "arm64", osVersion: "10" });
  // No WorkingDir: Dir("") keeps the directory; no os/arch: platform unchanged.
  const t = base.platform(arm).withImageConfig(`{"architecture":"amd64","config":{}}`);
  assert.equal(t.getDir(), "/base");
  assert.deepEqual(t.getPlatform(), { os: "linux", architecture: "arm", variant: "v7" });
  assert.equal(base.withImageConfig("null").getDir(), "/base");
  assert.throws(() => base.withImageConfig("{"), /image config/);
  assert.throws(() => base.withImageConfig("[]"), /cannot unmarshal array into Go value of type v1.Image/);
  assert.throws(() => base.withImageConfig(`{"config":{"Env":[1]}}`), /cannot unmarshal number into Go struct field ImageConfig.config.Env of type string/);
  assert.throws(() => base.withImageConfig(`{"config":{"ArgsEscaped":"yes"}}`), /of type bool/);
  // time.Time fields are checked as Go does (values from Go 1.26).
  assert.equal(base.withImageConfig(`{"created":"2023-11-14T22:13:20,5+24:00"}`).getDir(), "/base");
  assert.throws(() => base.withImageConfig(`{"created":"2023-11-14t22:13:20z"}`), /parsing time/);
  assert.throws(() => base.withImageConfig(`{"history":[{"created":"2023-02-29T00:00:00Z"}]}`), /parsing time/);
  assert.throws(() => base.withImageConfig(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), /image config/);
  // Kelvin sign and long s fold onto ASCII letters in Go's key matching.
  assert.equal(base.withImageConfig(`{"config":{"Wor\u212aingDir":"/k"}}`).getDir(), "/k");
});

test("local patterns are encoded as Go's json.Marshal does", () => {
  assert.equal(goJSONStringArray(["a<b>&c", "\u2028", "\b\f\u0001\u007f", "\ud800x"]), '["a\\u003cb\\u003e\\u0026c","\\u2028","\\b\\f\\u0001\u007f","\\ufffdx"]');
});
