/**
 * `tsfrontend build --allow ENTITLEMENT` end to end. A RUN with
 * `network: NetMode.HOST` or `security: SecurityMode.INSECURE`
 * (fixtures/entitlements.ts, or a Definition on stdin):
 *
 * - on the shared daemon (BUILDKIT_HOST, which grants no insecure
 *   entitlements): without --allow the build fails with a message naming
 *   `--allow network.host`; with --allow the daemon refuses to grant it and
 *   the message names `--allow-insecure-entitlement`;
 * - on a private buildkitd started here by scripts/env/start.sh with
 *   TSF_BUILDKITD_FLAGS="--allow-insecure-entitlement network.host
 *   --allow-insecure-entitlement security.insecure": with --allow the build
 *   succeeds, and security.insecure really runs the step with all
 *   capabilities (CAP_SYS_ADMIN in CapEff); without --allow it still fails
 *   naming the flag.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NetMode, SecurityMode, scratch, parsePlatform, type Definition } from "../../src/llb/index.js";
import { ok, repoRoot, requireEnv, run, runCli, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";

const FIXTURE = "test/e2e/fixtures/entitlements.ts";
const CAP_SYS_ADMIN = 21n;

let env: E2eEnv;
let work: ReturnType<typeof tempDir>;
/** The private daemon's env.sh and BUILDKIT_HOST. */
let privateEnvFile: string | undefined;
let privateHost: string | undefined;
let privateStartError: string | undefined;

before(async () => {
  work = tempDir("entitlements");
  env = requireEnv();
  const r = await run("bash", [join(repoRoot, "scripts/env/start.sh")], {
    env: {
      ...process.env,
      TSF_BUILDKITD_FLAGS: "--allow-insecure-entitlement network.host --allow-insecure-entitlement security.insecure",
    },
    timeout: 120_000,
  });
  const envFile = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status === 0 && existsSync(envFile)) {
    privateEnvFile = envFile;
    const json = JSON.parse(readFileSync(join(envFile, "..", "env.json"), "utf8")) as Record<string, string>;
    privateHost = json["BUILDKIT_HOST"];
  } else {
    privateStartError = `scripts/env/start.sh exit ${r.status}:\n${r.stderr.slice(-3000)}`;
  }
});

after(async () => {
  if (privateEnvFile) {
    const r = await run("bash", [join(repoRoot, "scripts/env/stop.sh"), privateEnvFile], { timeout: 120_000 });
    assert.equal(r.status, 0, `stopping the private buildkitd: ${r.stderr}`);
  }
  work?.remove();
});

function programBuild(needs: string, allow: string[], extra: { host?: string; out?: string } = {}): Promise<RunResult> {
  return runCli(
    [
      "build",
      "-f",
      FIXTURE,
      "--local",
      `busybox=${join(env.cache, "busybox")}`,
      "--platform",
      "linux/amd64",
      "--build-arg",
      `NEEDS=${needs}`,
      "--build-arg",
      `TOKEN=${process.pid}-${Date.now()}`,
      ...allow.flatMap((a) => ["--allow", a]),
      "--progress",
      "plain",
      ...(extra.out ? ["-o", `type=local,dest=${extra.out}`] : []),
    ],
    { env: { ...process.env, ...(extra.host ? { BUILDKIT_HOST: extra.host } : {}) }, timeout: 120_000 },
  );
}

async function definition(opts: { network?: NetMode; security?: SecurityMode }): Promise<Definition> {
  return scratch()
    .run({ args: ["/does-not-run"], ...opts })
    .root()
    .marshal({ platform: parsePlatform("linux/amd64") });
}

/** The one `error:` line of a failed build (exit 1), checked to be the only one. */
function errorLine(r: RunResult, what: string): string {
  assert.equal(r.status, 1, `${what}: exit ${r.status}\n${r.stderr}`);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
  assert.equal(lines.length, 1, `${what}: one error line\n${r.stderr}`);
  return lines[0]!;
}

function requirePrivate(): string {
  assert.ok(privateHost, `could not start a buildkitd with insecure entitlements: ${privateStartError}`);
  return privateHost;
}

/** Whether the shared daemon was started granting `ent` (then it cannot show the refusal). */
function sharedDaemonGrants(ent: string): boolean {
  const pid = process.env["TSF_BUILDKITD_PID"];
  let cmdline = "";
  try {
    if (pid) cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    // Not readable: assume the default start.sh daemon.
  }
  let toml = "";
  try {
    toml = readFileSync(process.env["TSF_BUILDKITD_CONFIG"] ?? "", "utf8");
  } catch {
    // idem
  }
  return cmdline.includes(`--allow-insecure-entitlement ${ent}`) || new RegExp(`insecure-entitlements\\s*=.*"${ent.replace(".", "\\.")}"`).test(toml);
}

test("shared daemon, no --allow: a program needing network.host or security.insecure fails naming --allow", async () => {
  const [host, insecure] = await Promise.all([programBuild("network.host", []), programBuild("security.insecure", [])]);
  const h = errorLine(host, "network.host without --allow");
  assert.match(h, /network\.host is not allowed: add --allow network\.host \(and start buildkitd with --allow-insecure-entitlement network\.host\)$/);
  const i = errorLine(insecure, "security.insecure without --allow");
  assert.match(i, /security\.insecure is not allowed: add --allow security\.insecure \(and start buildkitd with --allow-insecure-entitlement security\.insecure\)$/);
});

test("shared daemon, no --allow: a Definition on stdin fails the same way", async () => {
  const r = await runCli(["build", "--progress", "plain"], { input: Buffer.from((await definition({ network: NetMode.HOST })).toBytes()), timeout: 60_000 });
  assert.equal(errorLine(r, "stdin definition"), "error: failed to load LLB: network.host is not allowed: add --allow network.host (and start buildkitd with --allow-insecure-entitlement network.host)");
});

test("shared daemon, --allow given: the daemon's refusal names --allow-insecure-entitlement", async () => {
  // scripts/env/start.sh starts the shared daemon without insecure entitlements; one granting them cannot show the refusal.
  assert.equal(sharedDaemonGrants("security.insecure"), false, "the shared buildkitd (BUILDKIT_HOST) grants security.insecure: run against the one of scripts/env/start.sh");
  const r = await programBuild("security.insecure", ["security.insecure"]);
  assert.equal(
    errorLine(r, "--allow security.insecure on the shared daemon"),
    'error: granting entitlement security.insecure is not allowed by build daemon configuration: start buildkitd with --allow-insecure-entitlement security.insecure (or insecure-entitlements = ["security.insecure"] in buildkitd.toml)',
  );
});

test("a bad --allow value: one line naming --allow, before connecting", async () => {
  const r = await runCli(["build", "--addr", "unix:///nonexistent/buildkitd.sock", "--allow", "network.host", "--allow", "network"], { input: Buffer.alloc(0), timeout: 30_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, "tsfrontend: --allow: unknown entitlement network (accepted: network.host, security.insecure, device[=NAME[,alias=ALIAS]])\n");
});

function capEff(dir: string): bigint {
  const line = readFileSync(join(dir, "out", "caps"), "utf8").trim();
  const m = /^CapEff:\s*([0-9a-f]+)$/.exec(line);
  assert.ok(m, `caps file: ${line}`);
  return BigInt(`0x${m[1]}`);
}

test("daemon granting them, --allow network.host --allow security.insecure: the build runs privileged", async () => {
  const host = requirePrivate();
  const both = join(work.dir, "both");
  const hostOnly = join(work.dir, "host-only");
  const [r1, r2] = await Promise.all([
    programBuild("network.host,security.insecure", ["network.host", "security.insecure"], { host, out: both }),
    programBuild("network.host", ["network.host"], { host, out: hostOnly }),
  ]);
  ok(r1, "network.host + security.insecure with --allow");
  ok(r2, "network.host with --allow");
  assert.equal((capEff(both) >> CAP_SYS_ADMIN) & 1n, 1n, "security.insecure: CAP_SYS_ADMIN in CapEff");
  assert.equal((capEff(hostOnly) >> CAP_SYS_ADMIN) & 1n, 0n, "without security.insecure: no CAP_SYS_ADMIN");
});

test("daemon granting them, no --allow: still refused, naming --allow", async () => {
  const host = requirePrivate();
  const [prog, stdin] = await Promise.all([
    programBuild("security.insecure", [], { host }),
    runCli(["build", "--progress", "plain"], {
      input: Buffer.from((await definition({ security: SecurityMode.INSECURE })).toBytes()),
      env: { ...process.env, BUILDKIT_HOST: host },
      timeout: 60_000,
    }),
  ]);
  assert.match(errorLine(prog, "program without --allow"), /security\.insecure is not allowed: add --allow security\.insecure /);
  assert.match(errorLine(stdin, "stdin without --allow"), /security\.insecure is not allowed: add --allow security\.insecure /);
});
