/**
 * The differential Dockerfile corpus (test/dockerfile-corpus/): every case is built on the shared buildkitd by
 * the built-in `dockerfile.v0` (side A, buildctl) and by tsfrontend (side B) two ways:
 *
 * - `[cli]`: `tsfrontend build -f <case>/Dockerfile --local context=<case>` (our CLI and converter);
 * - `[image]`: buildctl with dockerfile.v0 and `build-arg:BUILDKIT_SYNTAX=<frontend image>` (the frontend image
 *   scripts/frontend-image.sh pushes), so errors come back through the same frontend wrapper and keep their lines;
 *
 * each for the case's platforms (linux/amd64, and linux/arm64 for multi-platform cases) in one build, exported as
 * an OCI tarball. Both sides must agree: per platform the image config (timestamps aside, unless the case sets
 * SOURCE_DATE_EPOCH), the history, and the whole filesystem tree flattened from the layers (paths, types, modes,
 * uid/gid, link targets, xattrs, content hashes); for a case that must fail, the error message and its Dockerfile
 * lines. Side A must do what the case says (succeed, or fail with its `fail` text), so the corpus itself is checked.
 *
 * Bases: `scratch`, the named context `busybox` (the multi-platform busybox shell image the e2e setup builds and
 * pushes, lib/shell-image.ts) and minirootfs tarballs made from the same busybox (lib/example-inputs.ts). ADD of
 * http and git sources reads a local HTTP server with a git smart-HTTP backend (lib/source-servers.ts).
 *
 * Environment:
 *   TSF_DIFF_SELF=1        side B runs dockerfile.v0 too ([cli]: our client with --frontend dockerfile.v0), to check the harness
 *   TSF_DIFF_MUTATE=KIND   change side B's Dockerfile on purpose (label | file | line): every case must then fail
 *   TSF_DIFF_CASES=REGEX   only the cases whose name matches
 *   TSF_DIFF_JOBS=N        cases built at once (default 3)
 *   TSF_DIFF_BASE_REF=1    write the busybox image's ref into the Dockerfiles (`FROM busybox`, `--from=busybox`)
 *                          instead of passing the named context `busybox` (both sides alike)
 *
 * Run with `npm run test:dockerfile-diff` (ends with `N passed, M failed`).
 */

import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  corpusDir,
  diffSnapshots,
  loadCorpus,
  parseFailure,
  prepareWorkDir,
  snapshotOci,
  substitute,
  type BuildFailure,
  type CorpusCase,
  type Mutation,
  type Placeholders,
  type Snapshot,
} from "./lib/dockerfile-corpus.js";
import { ok, requireEnv, run, runCli, skopeoCreds, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { ensureMinirootfs } from "./lib/example-inputs.js";
import { ensureFrontendImage } from "./lib/frontend-image.js";
import { ensureShellImage } from "./lib/shell-image.js";
import { startSourceServers, type SourceServers } from "./lib/source-servers.js";

const SELF = process.env["TSF_DIFF_SELF"] === "1";
const MUTATION = (process.env["TSF_DIFF_MUTATE"] || undefined) as Mutation | undefined;
assert.ok(MUTATION === undefined || ["label", "file", "line"].includes(MUTATION), `TSF_DIFF_MUTATE=${MUTATION}: want label, file or line`);
const FILTER = process.env["TSF_DIFF_CASES"] ? new RegExp(process.env["TSF_DIFF_CASES"]) : undefined;
const JOBS = Number(process.env["TSF_DIFF_JOBS"] || 3);
const BASE_REF = process.env["TSF_DIFF_BASE_REF"] === "1";

const cases = loadCorpus().filter((c) => !FILTER || FILTER.test(c.name));

type Side = "A" | "cli" | "image";

type Outcome = { ok: true; snapshot: Snapshot; seconds: number } | { ok: false; failure: BuildFailure; stderr: string; seconds: number };

interface Setup {
  env: E2eEnv;
  buildctl: string;
  servers: SourceServers;
  values: Placeholders;
  busybox: string;
  frontend: string | undefined;
  tmp: { dir: string; remove: () => void };
  minirootfs: () => Promise<string>;
  /** An OCI layout directory holding the busybox image (every platform), made on first use. */
  ociLayout: () => Promise<string>;
}

let setup: Setup | undefined;
const started = Date.now();
const seconds: Record<Side, number> = { A: 0, cli: 0, image: 0 };

before(async () => {
  const env = requireEnv();
  const tmp = tempDir("dockerfile-diff");
  const [shell, servers, frontend] = await Promise.all([
    ensureShellImage(),
    startSourceServers(join(corpusDir, "_http"), join(corpusDir, "_git"), tmp.dir),
    SELF ? undefined : ensureFrontendImage(),
  ]);
  let rootfs: Promise<string> | undefined;
  let layout: Promise<string> | undefined;
  const copyLayout = async (): Promise<string> => {
    const dir = join(tmp.dir, "busybox-oci");
    const args = ["copy", "--all", "--src-tls-verify=false", ...skopeoCreds(env).map((a) => a.replace(/^--creds$/, "--src-creds")), `docker://${shell.ref}`, `oci:${dir}:latest`];
    ok(await run(env.skopeo, args, { timeout: 120_000 }), "skopeo copy of the busybox image");
    return dir;
  };
  setup = {
    env,
    buildctl: process.env["BUILDCTL"] || join(env.cache, "bin", "buildctl"),
    servers,
    values: {
      HTTP: servers.http,
      GIT: servers.git,
      REGISTRY: env.registry,
      BUSYBOX: shell.ref,
      BUSYBOX_DIGEST: shell.digest,
      ...Object.fromEntries(Object.entries(servers.commits).map(([name, commit]) => [`GITREV_${name.toUpperCase()}`, commit])),
    },
    busybox: shell.ref,
    // Pinned by digest: another checkout pushing the same tag must not swap the image under the run.
    frontend: frontend ? `${frontend.ref}@${frontend.digest}` : undefined,
    tmp,
    minirootfs: () => (rootfs ??= ensureMinirootfs(env)),
    ociLayout: () => (layout ??= copyLayout()),
  };
  console.log(`dockerfile-diff: ${cases.length} cases; side B ${SELF ? "dockerfile.v0 (TSF_DIFF_SELF=1)" : `tsfrontend (cli, image ${frontend?.ref})`}${MUTATION ? `, mutated (${MUTATION})` : ""}; setup ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

after(async () => {
  await setup?.servers.close();
  setup?.tmp.remove();
  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`dockerfile-diff: ${cases.length} cases in ${total} s (build seconds: A ${seconds.A.toFixed(0)}, cli ${seconds.cli.toFixed(0)}, image ${seconds.image.toFixed(0)})`);
});

/** The frontend opts of a case on a side (placeholders substituted). */
function caseOpts(c: CorpusCase, s: Setup): string[] {
  const opts: Record<string, string> = BASE_REF ? { platform: c.platforms.join(",") } : { "context:busybox": `docker-image://${s.busybox}`, platform: c.platforms.join(",") };
  for (const [k, v] of Object.entries(c.opts)) opts[substitute(k, s.values)] = substitute(v, s.values);
  return Object.entries(opts).flatMap(([k, v]) => ["--opt", `${k}=${v}`]);
}

/** Session flags shared by buildctl and our CLI: extra locals, secrets, ssh, OCI layouts. */
async function sessionFlags(c: CorpusCase, s: Setup, work: string): Promise<string[]> {
  const out: string[] = [];
  if (c.ociLayout) out.push("--oci-layout", `busybox-oci=${await s.ociLayout()}`);
  for (const [name, rel] of Object.entries(c.locals)) out.push("--local", `${name}=${join(work, rel)}`);
  for (const spec of c.secrets) out.push("--secret", spec.replace(/(^|,)src=([^,]+)/, (_m, p: string, f: string) => `${p}src=${join(work, f)}`));
  if (c.ssh) {
    assert.ok(s.servers.sshSocket, "ssh-agent is not available");
    out.push("--ssh", `default=${s.servers.sshSocket}`);
  }
  return out;
}

async function build(c: CorpusCase, side: Side): Promise<Outcome> {
  const s = setup!;
  const work = join(s.tmp.dir, `${c.name}.${side}`);
  await prepareWorkDir(c, work, s.values, s.minirootfs, { mutation: side === "A" ? undefined : MUTATION, baseRef: BASE_REF ? s.busybox : undefined });
  const out = `${work}.oci.tar`;
  const dockerfile = join(work, c.dockerfile);
  const common = [...caseOpts(c, s), ...(await sessionFlags(c, s, work)), "--output", `type=oci,dest=${out}`, "--progress", "plain"];
  const frontendArgs = ["build", "--frontend", "dockerfile.v0", "--local", `context=${work}`, "--local", `dockerfile=${dirname(dockerfile)}`, "--opt", `filename=${basename(dockerfile)}`];
  const t0 = Date.now();
  let r: RunResult;
  const timeout = 10 * 60_000;
  if (side === "A") {
    r = await run(s.buildctl, [...frontendArgs, ...common], { timeout });
  } else if (side === "image") {
    const syntax = s.frontend ? ["--opt", `build-arg:BUILDKIT_SYNTAX=${s.frontend}`] : [];
    r = await run(s.buildctl, [...frontendArgs, ...syntax, ...common], { timeout });
  } else if (SELF) {
    r = await runCli([...frontendArgs, ...common], { timeout });
  } else {
    r = await runCli(["build", "-f", dockerfile, "--local", `context=${work}`, ...common], { timeout });
  }
  const secs = (Date.now() - t0) / 1000;
  seconds[side] += secs;
  try {
    if (r.status !== 0) return { ok: false, failure: parseFailure(r.stderr), stderr: r.stderr.slice(-3000), seconds: secs };
    assert.ok(existsSync(out), `${side}: the build succeeded but wrote no ${out}`);
    const keepTimes = Object.keys(c.opts).includes("build-arg:SOURCE_DATE_EPOCH");
    return { ok: true, snapshot: snapshotOci(out, keepTimes), seconds: secs };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(out, { force: true });
  }
}

function describeOutcome(o: Outcome): string {
  return o.ok ? "succeeded" : `failed: ${JSON.stringify(o.failure)}\n${o.stderr}`;
}

describe("dockerfile corpus: dockerfile.v0 vs tsfrontend", { concurrency: JOBS }, () => {
  for (const c of cases) {
    let a: Promise<Outcome> | undefined;
    const sideA = async (): Promise<Outcome> => {
      const o = await (a ??= build(c, "A"));
      if (c.fail === undefined) assert.ok(o.ok, `${c.name}: dockerfile.v0 ${describeOutcome(o)}`);
      else {
        assert.ok(!o.ok, `${c.name}: dockerfile.v0 succeeded but the case expects a failure (${c.fail})`);
        assert.ok(o.failure.message.includes(c.fail), `${c.name}: dockerfile.v0's error ${JSON.stringify(o.failure.message)} does not contain ${JSON.stringify(c.fail)}`);
      }
      return o;
    };
    for (const side of ["cli", "image"] as const) {
      it(`${c.name} [${side}]`, async (t) => {
        const [oa, ob] = await Promise.all([sideA(), build(c, side)]);
        if (!oa.ok) {
          t.diagnostic(`fails as expected: ${JSON.stringify(oa.failure)}`);
          assert.ok(!ob.ok, `${c.name}: dockerfile.v0 failed (${oa.failure.message}) but side ${side} succeeded`);
          assert.deepEqual(ob.failure, oa.failure, `${c.name}: side ${side}'s error differs from dockerfile.v0's\n${ob.stderr}`);
          return;
        }
        assert.ok(ob.ok, `${c.name}: side ${side} ${describeOutcome(ob)}`);
        const diffs = diffSnapshots(oa.snapshot, ob.snapshot);
        if (diffs.length > 0) assert.fail(`${c.name}: side ${side} differs from dockerfile.v0 (A vs B):\n${diffs.join("\n")}`);
      });
    }
  }
});
