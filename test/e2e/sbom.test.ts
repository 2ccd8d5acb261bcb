/**
 * SBOM attestations (`attest:sbom`, and the `--sbom`/`--provenance`/`--attest`
 * flags of `tsfrontend build` and of docker buildx) against the real daemon. No scanner image
 * can be pulled, so the test builds one from scratch (static busybox and a
 * shell script) and pushes it: following buildkit's scanner contract it
 * writes one in-toto statement with an SPDX document listing the files (with
 * their SHA-1 and SHA-256) of `$BUILDKIT_SCAN_SOURCE` as `sbom.spdx.json`, and
 * one per directory of `$BUILDKIT_SCAN_SOURCE_EXTRAS` as `NAME.spdx.json`,
 * into `$BUILDKIT_SCAN_DESTINATION`; each document's comment lists the
 * `BUILDKIT_SCAN_*` environment it ran with.
 *
 * The same Dockerfile (a stage marked with BUILDKIT_SBOM_SCAN_STAGE, the
 * context with BUILDKIT_SBOM_SCAN_CONTEXT) is built for two platforms to OCI
 * tarballs with the built-in dockerfile.v0, with `tsfrontend build -f`, and
 * with the frontend image (dockerfile.v0 forwarding through BUILDKIT_SYNTAX):
 * the attestation manifests (one per platform image, named by its
 * `vnd.docker.reference.digest`) must hold the same statements (predicate
 * type, subjects, predicate with each file's layer added by the exporter). The extras prove our frontend
 * ran the scanner: the daemon's own fallback (when a frontend returns no
 * SBOM) scans the image alone. A program with `sbomExtras` gets its SBOM too.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildctlPath } from "../lib/buildctl.js";
import { ok, repoRoot, requireEnv, run, runCli, tempDir, type E2eEnv } from "./lib/env.js";
import { ensureFrontendImage, type FrontendImage } from "./lib/frontend-image.js";
import { createRemoteBuilder } from "./lib/buildx-builder.js";
import { readOciTar, type Descriptor, type OciLayout } from "./lib/oci.js";

const PLATFORMS = ["linux/amd64", "linux/arm64"];

let env: E2eEnv;
let work: ReturnType<typeof tempDir>;
let scannerRef: string;
let frontend: Promise<FrontendImage>;

/** The scanner: POSIX sh run by busybox; JSON written with printf (file names here need no escaping). */
const SCAN_SCRIPT = `set -eu
B=/bin/busybox
params=$($B env | $B grep '^BUILDKIT_SCAN_' | $B sort | $B tr '\\n' ' ')
doc() {
  src=$1; name=$2; n=0; sep=""
  printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"%s","documentNamespace":"https://tsfrontend.test/spdx/%s","comment":"%s","creationInfo":{"created":"1970-01-01T00:00:00Z","creators":["Tool: tsf-test-scanner"]},"files":[' "$name" "$name" "$params"
  for f in $(cd "$src" && $B find . -type f | $B sort); do
    n=$((n+1))
    sha1=$($B sha1sum "$src/$f" | $B cut -d' ' -f1)
    sha256=$($B sha256sum "$src/$f" | $B cut -d' ' -f1)
    printf '%s{"fileName":"%s","SPDXID":"SPDXRef-File-%d","checksums":[{"algorithm":"SHA1","checksumValue":"%s"},{"algorithm":"SHA256","checksumValue":"%s"}]}' "$sep" "\${f#.}" "$n" "$sha1" "$sha256"
    sep=","
  done
  printf ']}}\\n'
}
doc "$BUILDKIT_SCAN_SOURCE" sbom > "$BUILDKIT_SCAN_DESTINATION/sbom.spdx.json"
if [ -n "\${BUILDKIT_SCAN_SOURCE_EXTRAS:-}" ]; then
  for d in "$BUILDKIT_SCAN_SOURCE_EXTRAS"/*; do
    name=$($B basename "$d")
    doc "$d" "$name" > "$BUILDKIT_SCAN_DESTINATION/$name.spdx.json"
  done
fi
`;

const SCANNER_DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
COPY scan.sh /bin/scan
ENV PATH=/bin
WORKDIR /
ENTRYPOINT ["/bin/busybox", "sh", "/bin/scan"]
`;

/** The Dockerfile built three ways: one stage and the context scanned besides the image. */
const DOCKERFILE = `ARG BUILDKIT_SBOM_SCAN_CONTEXT=true
FROM scratch AS build
ARG BUILDKIT_SBOM_SCAN_STAGE=true
ARG TARGETARCH
COPY hello.txt /build/hello.txt
COPY arch-\${TARGETARCH}.txt /build/arch.txt

FROM scratch
COPY --from=build /build/ /app/
COPY data.txt /data.txt
`;

before(async () => {
  env = requireEnv();
  work = tempDir("sbom");
  // The frontend image builds (or is found) while the scanner is made.
  frontend = ensureFrontendImage();
  frontend.catch(() => {});
  const dir = join(work.dir, "scanner");
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(env.cache, "busybox", "amd64", "bin", "busybox"), join(dir, "busybox"));
  writeFileSync(join(dir, "scan.sh"), SCAN_SCRIPT);
  writeFileSync(join(dir, "Dockerfile"), SCANNER_DOCKERFILE);
  scannerRef = `${env.registry}/tsfrontend-test/sbom-scanner:${process.pid}`;
  const r = await run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
    "--opt", "platform=linux/amd64", "--output", `type=image,name=${scannerRef},push=true`], { timeout: 5 * 60_000 });
  ok(r, "building the scanner image");
});

after(() => { if (!process.env["TSF_KEEP"]) work?.remove(); });

function contextDir(): string {
  const dir = join(work.dir, `ctx-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  writeFileSync(join(dir, "hello.txt"), "hello\n");
  writeFileSync(join(dir, "data.txt"), "some data\n");
  for (const a of ["amd64", "arm64"]) writeFileSync(join(dir, `arch-${a}.txt`), `${a}\n`);
  return dir;
}

interface Statement {
  _type: string;
  predicateType: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicate: { name: string; comment?: string; files?: { fileName: string; comment?: string; checksums: { algorithm: string; checksumValue: string }[] }[]; creationInfo?: { creators?: string[] } };
}

/** Per platform: the in-toto statements of its attestation manifest, keyed by the layer's path annotation. */
function attestations(layout: OciLayout): Map<string, Map<string, Statement>> {
  const out = new Map<string, Map<string, Statement>>();
  const byDigest = new Map(layout.images.map((i) => [i.descriptor.digest, i]));
  for (const d of layout.index.manifests) {
    if (d.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest") continue;
    const img = byDigest.get(d.annotations["vnd.docker.reference.digest"] ?? "");
    assert.ok(img, `attestation manifest ${d.digest} refers to an image of the index`);
    const p = img.descriptor.platform!;
    const id = `${p.os}/${p.architecture}`;
    const manifest = JSON.parse(layout.blob(d.digest).toString("utf8")) as { layers: Descriptor[] };
    const stmts = new Map<string, Statement>();
    for (const l of manifest.layers) {
      const path = l.annotations?.["in-toto.io/predicate-type"] === "https://spdx.dev/Document" ? (l.annotations?.["vnd.docker.reference.path"] ?? l.digest) : l.digest;
      const st = JSON.parse(layout.blob(l.digest).toString("utf8")) as Statement;
      assert.equal(st.predicateType, l.annotations?.["in-toto.io/predicate-type"]);
      assert.match(st._type, /^https:\/\/in-toto\.io\/Statement\/v/);
      stmts.set(st.predicate.name ?? path, st);
    }
    out.set(id, stmts);
  }
  return out;
}

/** File names of a statement's SPDX document. */
function files(st: Statement | undefined): string[] {
  return (st?.predicate.files ?? []).map((f) => f.fileName);
}

/** Checks the SBOMs of the Dockerfile build: per platform, the image, the `build` stage and the context. */
function checkDockerfileSBOMs(atts: Map<string, Map<string, Statement>>, what: string): void {
  assert.deepEqual([...atts.keys()].sort(), PLATFORMS, `${what}: an attestation manifest per platform`);
  for (const [id, stmts] of atts) {
    assert.deepEqual([...stmts.keys()].sort(), ["sbom", "sbom-build", "sbom-context"], `${what} ${id}: the image, the scanned stage and the context`);
    const core = stmts.get("sbom")!;
    assert.equal(core.predicateType, "https://spdx.dev/Document");
    assert.deepEqual(files(core), ["/app/arch.txt", "/app/hello.txt", "/data.txt"], `${what} ${id}: the image's files`);
    // The exporter supplements the core SBOM with each file's layer.
    for (const f of core.predicate.files ?? []) assert.match(f.comment ?? "", /^layerID: sha256:[0-9a-f]{64}$/, `${what} ${id}: ${f.fileName}`);
    assert.deepEqual(files(stmts.get("sbom-build")), ["/build/arch.txt", "/build/hello.txt"]);
    assert.ok(files(stmts.get("sbom-context")).includes("/hello.txt"), `${what} ${id}: context files ${files(stmts.get("sbom-context")).join(" ")}`);
    const arch = id.split("/")[1]!;
    const archFile = core.predicate.files!.find((f) => f.fileName === "/app/arch.txt")!;
    const sha = archFile.checksums.find((c) => c.algorithm === "SHA256")!.checksumValue;
    assert.equal(sha, createHashHex(`${arch}\n`), `${what} ${id}: /app/arch.txt is the ${arch} file`);
    // The scanner's environment: buildkit's contract and the generator's parameters.
    assert.match(core.predicate.comment ?? "", /BUILDKIT_SCAN_DESTINATION=\/run\/out\/ BUILDKIT_SCAN_SOURCE=\/run\/src\/core\/sbom BUILDKIT_SCAN_SOURCE_EXTRAS=\/run\/src\/extras /);
  }
}

function createHashHex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** The statements with what differs between two builds of the same images left out: nothing but their order. */
function comparable(atts: Map<string, Map<string, Statement>>): unknown {
  return Object.fromEntries([...atts].map(([id, stmts]) => [id, Object.fromEntries([...stmts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, st]) => [k, { predicateType: st.predicateType, predicate: st.predicate, subject: st.subject }]))]));
}

test("attest:sbom: dockerfile.v0, tsfrontend build -f and the frontend image give the same SBOM attestations", async () => {
  const dir = contextDir();
  const sbomOpt = `attest:sbom=generator=${scannerRef},tsfparam=yes`;
  const builtin = join(work.dir, "builtin.tar");
  ok(await run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
    "--opt", `platform=${PLATFORMS.join(",")}`, "--opt", sbomOpt, "--output", `type=oci,dest=${builtin}`], { timeout: 10 * 60_000 }), "dockerfile.v0");
  const ours = join(work.dir, "ours.tar");
  const r = await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--platform", PLATFORMS.join(","), "--opt", sbomOpt,
    "--progress", "plain", "--output", `type=oci,dest=${ours}`], { timeout: 10 * 60_000 });
  ok(r, "tsfrontend build -f Dockerfile");
  assert.match(r.stderr, /\[linux\/amd64\] generating sbom using /);
  const image = await frontend;
  const viaImage = join(work.dir, "image.tar");
  ok(await run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--opt", `build-arg:BUILDKIT_SYNTAX=${image.ref}`, "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
    "--opt", `platform=${PLATFORMS.join(",")}`, "--opt", sbomOpt, "--output", `type=oci,dest=${viaImage}`], { timeout: 10 * 60_000 }), "frontend image");

  const a = attestations(readOciTar(builtin));
  checkDockerfileSBOMs(a, "dockerfile.v0");
  assert.match(a.get("linux/amd64")!.get("sbom")!.predicate.comment ?? "", /BUILDKIT_SCAN_tsfparam=yes/);
  const b = attestations(readOciTar(ours));
  checkDockerfileSBOMs(b, "tsfrontend build -f");
  const c = attestations(readOciTar(viaImage));
  checkDockerfileSBOMs(c, "frontend image");
  assert.deepEqual(comparable(b), comparable(a), "tsfrontend build -f: the same statements as dockerfile.v0");
  assert.deepEqual(comparable(c), comparable(a), "frontend image: the same statements as dockerfile.v0");
});

test("attest:sbom: a program's images get SBOMs of the image and of its sbomExtras", async () => {
  const tar = join(work.dir, "program.tar");
  const r = await runCli(["build", "-f", join(repoRoot, "test", "e2e", "fixtures", "sbom.ts"), "--platform", PLATFORMS.join(","), "--opt", `attest:sbom=generator=${scannerRef}`,
    "--progress", "plain", "--output", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 });
  ok(r, "tsfrontend build -f sbom.ts");
  const atts = attestations(readOciTar(tar));
  assert.deepEqual([...atts.keys()].sort(), PLATFORMS);
  for (const [id, stmts] of atts) {
    assert.deepEqual([...stmts.keys()].sort(), ["sbom", "sbom-tools"], id);
    assert.deepEqual(files(stmts.get("sbom")), ["/app.txt", "/etc/arch"], id);
    assert.deepEqual(files(stmts.get("sbom-tools")), ["/tools/tool.txt"], id);
  }
});

test("attest:sbom: a scanner image without a command fails the build with buildkit's message", async () => {
  const dir = join(work.dir, "nocmd");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nCOPY x /x\n");
  writeFileSync(join(dir, "x"), "x\n");
  const ref = `${env.registry}/tsfrontend-test/sbom-nocmd:${process.pid}`;
  ok(await run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
    "--output", `type=image,name=${ref},push=true`], { timeout: 5 * 60_000 }), "pushing an image without a command");
  const r = await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--opt", `attest:sbom=generator=${ref}`, "--progress", "plain",
    "--output", `type=oci,dest=${join(work.dir, "nocmd.tar")}`], { timeout: 5 * 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`scanner ${ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not have cmd`));
});

/** What docker buildx v0.38.2 sends for `--sbom generator=REF` (buildflags.CanonicalizeAttest then Attests.ToMap). */
function buildxSbomOpt(): string {
  return `attest:sbom=type=sbom,generator=${scannerRef}`;
}

/** dockerfile.v0's SBOMs of the context for buildx's `--sbom generator=REF` value, built once. */
let builtinBuildx: Promise<Map<string, Map<string, Statement>>> | undefined;
function builtinForBuildxValue(dir: string): Promise<Map<string, Map<string, Statement>>> {
  builtinBuildx ??= (async () => {
    const tar = join(work.dir, "builtin-buildx-value.tar");
    ok(await run(buildctlPath(), ["--addr", env.buildkitHost, "build", "--frontend", "dockerfile.v0", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`,
      "--opt", `platform=${PLATFORMS.join(",")}`, "--opt", buildxSbomOpt(), "--output", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 }), "dockerfile.v0 with attest:sbom=type=sbom,...");
    const a = attestations(readOciTar(tar));
    checkDockerfileSBOMs(a, "dockerfile.v0 (buildx's value)");
    return a;
  })();
  return builtinBuildx;
}

/** The context dir shared by the --sbom tests (the same files, so the context SBOMs compare). */
let flagDir: string | undefined;

test("--sbom generator=REF: tsfrontend build (-f Dockerfile, --frontend, --builder) sends buildx's attest:sbom and gets dockerfile.v0's SBOMs", async () => {
  flagDir ??= contextDir();
  const dir = flagDir;
  const tar = join(work.dir, "flag-sbom.tar");
  const r = await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--platform", PLATFORMS.join(","), "--sbom", `generator=${scannerRef}`,
    "--progress", "plain", "--output", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 });
  ok(r, "tsfrontend build -f Dockerfile --sbom generator=REF");
  const ours = attestations(readOciTar(tar));
  checkDockerfileSBOMs(ours, "tsfrontend build --sbom");
  // buildx's value carries type=sbom, which buildkit hands the scanner as a parameter.
  for (const [id, stmts] of ours) assert.match(stmts.get("sbom")!.predicate.comment ?? "", /BUILDKIT_SCAN_type=sbom /, `${id}: the scanner got buildx's type=sbom`);
  const builtin = await builtinForBuildxValue(dir);
  assert.deepEqual(comparable(ours), comparable(builtin), "tsfrontend build --sbom: dockerfile.v0's statements for attest:sbom=type=sbom,generator=REF");
  // The same opts reach a --frontend and the nodes of a builder (here one node on the test daemon, in a private config dir).
  const viaFrontend = join(work.dir, "flag-sbom-frontend.tar");
  ok(await runCli(["build", "--frontend", "dockerfile.v0", "--local", `context=${dir}`, "--local", `dockerfile=${dir}`, "--platform", PLATFORMS.join(","), "--sbom", `generator=${scannerRef}`,
    "--progress", "plain", "--output", `type=oci,dest=${viaFrontend}`], { timeout: 10 * 60_000 }), "tsfrontend build --frontend dockerfile.v0 --sbom");
  assert.deepEqual(comparable(attestations(readOciTar(viaFrontend))), comparable(builtin), "--frontend dockerfile.v0 --sbom");
  const cliEnv = { ...process.env, TSFRONTEND_CONFIG_DIR: join(work.dir, "builders-config") };
  ok(await runCli(["builder", "create", "--name", "sbom", "--node", "n1", "--platform", PLATFORMS.join(","), env.buildkitHost], { env: cliEnv }), "builder create");
  const viaBuilder = join(work.dir, "flag-sbom-builder.tar");
  ok(await runCli(["--builder", "sbom", "build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--platform", PLATFORMS.join(","), "--sbom", `generator=${scannerRef}`,
    "--progress", "plain", "--output", `type=oci,dest=${viaBuilder}`], { env: cliEnv, timeout: 10 * 60_000 }), "tsfrontend --builder sbom build --sbom");
  assert.deepEqual(comparable(attestations(readOciTar(viaBuilder))), comparable(builtin), "--builder: the node's build got --sbom");
});

test("no attestation flag sends none (as buildctl); --sbom false neither; --provenance mode=max gets the daemon's SLSA provenance", async () => {
  const dir = contextDir();
  const build = async (name: string, extra: string[]) => {
    const tar = join(work.dir, `${name}.tar`);
    ok(await runCli(["build", "-f", join(dir, "Dockerfile"), "--local", `context=${dir}`, "--platform", "linux/amd64", ...extra, "--progress", "plain", "--output", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 }), `tsfrontend build ${extra.join(" ")}`);
    return readOciTar(tar);
  };
  const isAttestation = (d: Descriptor) => d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
  for (const [name, extra] of [["noflag", []], ["sbom-false", ["--sbom", "false"]]] as const) {
    const layout = await build(name, [...extra]);
    assert.equal(layout.images.length, 1, name);
    assert.deepEqual(layout.index.manifests.filter(isAttestation), [], `${name}: no attestation manifest`);
  }
  const layout = await build("prov-max", ["--provenance", "mode=max"]);
  const atts = layout.index.manifests.filter(isAttestation);
  assert.equal(atts.length, 1, JSON.stringify(layout.index.manifests));
  const manifest = JSON.parse(layout.blob(atts[0]!.digest).toString("utf8")) as { layers: Descriptor[] };
  const prov = manifest.layers.find((l) => l.annotations?.["in-toto.io/predicate-type"]?.startsWith("https://slsa.dev/provenance/"));
  assert.ok(prov, `a SLSA provenance layer: ${JSON.stringify(manifest.layers)}`);
  const st = JSON.parse(layout.blob(prov.digest).toString("utf8")) as { predicate: Record<string, unknown> };
  // mode=max records the build's LLB (min leaves it out): the request reached the daemon as given.
  assert.match(JSON.stringify(st.predicate), /"llbDefinition"/, "mode=max: the build's definition is in the provenance");
  // A program build sends it too (client/build.ts hands attest:provenance to the daemon); mode=min leaves the definition out.
  const tar = join(work.dir, "prov-program.tar");
  ok(await runCli(["build", "-f", join(repoRoot, "test", "e2e", "fixtures", "sbom.ts"), "--platform", "linux/amd64", "--provenance", "mode=min", "--progress", "plain", "--output", `type=oci,dest=${tar}`], { timeout: 10 * 60_000 }), "program --provenance mode=min");
  const pl = readOciTar(tar);
  const patt = pl.index.manifests.filter(isAttestation);
  assert.equal(patt.length, 1, JSON.stringify(pl.index.manifests));
  const pm = JSON.parse(pl.blob(patt[0]!.digest).toString("utf8")) as { layers: Descriptor[] };
  const pprov = pm.layers.find((l) => l.annotations?.["in-toto.io/predicate-type"]?.startsWith("https://slsa.dev/provenance/"));
  assert.ok(pprov, `program: a SLSA provenance layer: ${JSON.stringify(pm.layers)}`);
  assert.equal(pm.layers.length, 1, "program: provenance only, no SBOM");
  assert.doesNotMatch(pl.blob(pprov.digest).toString("utf8"), /"llbDefinition"/, "mode=min: no definition");
});

test("docker buildx build --sbom=generator=REF through the frontend image gives dockerfile.v0's SBOMs", async () => {
  flagDir ??= contextDir();
  const dir = flagDir;
  const image = await frontend;
  const builder = await createRemoteBuilder(env, work.dir, `tsf-sbom-${process.pid}`);
  try {
    const tar = join(work.dir, "buildx-sbom.tar");
    const r = await builder.run(["build", "--builder", builder.name, "--progress", "plain", "--platform", PLATFORMS.join(","), "--build-arg", `BUILDKIT_SYNTAX=${image.ref}`,
      `--sbom=generator=${scannerRef}`, "--provenance=false", "--output", `type=oci,dest=${tar}`, dir]);
    ok(r, "buildx build --sbom=generator=REF");
    const got = attestations(readOciTar(tar));
    checkDockerfileSBOMs(got, "buildx --sbom via the frontend image");
    for (const [id, stmts] of got) assert.match(stmts.get("sbom")!.predicate.comment ?? "", /BUILDKIT_SCAN_type=sbom /, `${id}: buildx's type=sbom reached the scanner`);
    assert.deepEqual(comparable(got), comparable(await builtinForBuildxValue(dir)), "buildx --sbom through our frontend: dockerfile.v0's statements");
  } finally {
    await builder.remove();
  }
});
