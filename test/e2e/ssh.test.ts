/**
 * SSH forwarding end to end: fixtures/ssh.ts runs a static Go agent checker
 * (fixtures/sshcheck, standard library only, built here for linux/amd64 and
 * cached under $TSF_CACHE/sshcheck/<source hash>/) in a RUN step with an ssh
 * mount on the busybox shell image. Inside the build container the checker
 * lists the agent's keys over $SSH_AUTH_SOCK and has each sign a message
 * that it verifies itself. We compare its lines with the fingerprints and
 * comments ssh-keygen reports on the host for:
 *
 * - `--ssh deploy=KEY1,KEY2,KEY3` (ed25519, RSA, ECDSA key files: our in-process agent);
 * - `--ssh default` with SSH_AUTH_SOCK pointing at a real ssh-agent holding
 *   a key added with ssh-add (our read-only proxy), when ssh-agent is installed;
 * - a required mount with an id not given to --ssh (fails naming the id),
 *   the same mount optional (builds; no agent socket), and a required mount
 *   without any --ssh (the daemon's "no SSH key forwarded").
 *
 * The builds run concurrently in `before`, all with --no-cache: a RUN's
 * cache key does not cover the agent's keys.
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ok, repoRoot, requireEnv, run, runCli, tempDir, type E2eEnv, type RunResult } from "./lib/env.js";
import { ensureShellImage, type ShellImage } from "./lib/shell-image.js";

const FIXTURE = "test/e2e/fixtures/ssh.ts";
const CHECKER_SRC = join(repoRoot, "test", "e2e", "fixtures", "sshcheck");

let env: E2eEnv;
let shell: ShellImage;
let work: ReturnType<typeof tempDir>;
let agent: ChildProcess | undefined;
const w = (...p: string[]) => join(work.dir, ...p);
const builds: Record<string, RunResult> = {};

const haveTool = async (cmd: string) => (await run("sh", ["-c", `command -v ${cmd}`])).status === 0;

/** Builds the checker (static, linux/amd64) unless the cache has it for this source; returns the directory holding only `sshcheck`. */
async function buildChecker(): Promise<string> {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "main.go"]) hash.update(f).update("\0").update(readFileSync(join(CHECKER_SRC, f)));
  const dir = join(env.cache, "sshcheck", hash.digest("hex").slice(0, 16));
  const bin = join(dir, "sshcheck");
  if (existsSync(bin)) return dir;
  assert.ok(await haveTool("go"), "go is not installed: it builds the test's agent checker (test/e2e/fixtures/sshcheck)");
  mkdirSync(dir, { recursive: true });
  const tmp = join(work.dir, "sshcheck.tmp");
  const r = await run("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", tmp, "."], {
    cwd: CHECKER_SRC,
    env: { ...process.env, CGO_ENABLED: "0", GOOS: "linux", GOARCH: "amd64", GOTOOLCHAIN: "local", GOFLAGS: "" },
    timeout: 180_000,
  });
  ok(r, "go build sshcheck");
  renameSync(tmp, bin);
  return dir;
}

/** ssh-keygen a key; returns the line the checker prints for it. */
async function keygen(name: string, args: string[]): Promise<string> {
  ok(await run("ssh-keygen", ["-q", "-N", "", "-C", name, ...args, "-f", w(name)]), `ssh-keygen ${name}`);
  const type = readFileSync(w(`${name}.pub`), "utf8").split(" ")[0];
  const fp = ok(await run("ssh-keygen", ["-l", "-E", "sha256", "-f", w(name)]), "ssh-keygen -l").split(" ")[1];
  return `${type} ${fp} sig=ok ${name}`;
}

let deployKeys: string[];
let agentKey: string | undefined;

let checker: string;

function build(name: string, buildArgs: Record<string, string>, ssh: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const args = ["build", "-f", FIXTURE, "--platform", "linux/amd64", "--no-cache", "--progress", "plain", "--local", `sshcheck=${checker}`];
  args.push("--build-arg", `SHELL_IMAGE=${shell.ref}`);
  // Concurrent builds of identical graphs share one execution in the daemon's solver,
  // whose agent may come from another build's session: a per-build tag keeps them apart.
  args.push("--build-arg", `RUN_TAG=${name}`);
  for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
  for (const s of ssh) args.push("--ssh", s);
  args.push("-o", `type=local,dest=${w("out", name)}`);
  return runCli(args, { env: { ...process.env, ...extraEnv }, timeout: 180_000 }).then((r) => {
    builds[name] = r;
  });
}

const out = (name: string, file: string) => readFileSync(w("out", name, file), "utf8");
const lines = (s: string) => s.split("\n").filter((l) => l !== "");

before(async () => {
  work = tempDir("ssh");
  env = requireEnv();
  assert.ok(await haveTool("ssh-keygen"), "ssh-keygen is not installed (apt-get install openssh-client)");
  const [s, c] = await Promise.all([ensureShellImage(), buildChecker()]);
  shell = s;
  checker = c;
  deployKeys = [await keygen("e2e-ed25519", ["-t", "ed25519"]), await keygen("e2e-rsa", ["-t", "rsa", "-b", "2048"]), await keygen("e2e-ecdsa", ["-t", "ecdsa", "-b", "256"])];
  const keyFiles = ["e2e-ed25519", "e2e-rsa", "e2e-ecdsa"].map((k) => w(k)).join(",");

  const pending = [
    build("keys", { SSH_ID: "deploy" }, [`deploy=${keyFiles}`], {}),
    build("missing", { SSH_ID: "missing" }, [`deploy=${keyFiles}`], {}),
    build("optional", { SSH_ID: "missing", SSH_OPTIONAL: "1" }, [`deploy=${keyFiles}`], {}),
    build("none", { SSH_ID: "deploy" }, [], {}),
  ];
  // openssh-client is part of the test environment (scripts/env/install.sh): no agent is a failure, not a skip.
  assert.ok((await haveTool("ssh-agent")) && (await haveTool("ssh-add")), "ssh-agent/ssh-add are not installed (apt-get install openssh-client)");
  const sock = w("agent.sock");
  agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
  for (let i = 0; i < 250 && !existsSync(sock); i++) await sleep(20);
  agentKey = await keygen("e2e-agent-key", ["-t", "ed25519"]);
  ok(await run("ssh-add", ["-q", w("e2e-agent-key")], { env: { ...process.env, SSH_AUTH_SOCK: sock } }), "ssh-add");
  // The key file is gone before the build: only the agent has it.
  rmSync(w("e2e-agent-key"));
  pending.push(build("default", {}, ["default"], { SSH_AUTH_SOCK: sock }));
  await Promise.all(pending);
});

after(() => {
  agent?.kill();
  work?.remove();
});

test("--ssh deploy=KEYFILES: the build lists exactly those keys, each signs, comments kept", () => {
  ok(builds["keys"]!, "build with --ssh deploy=...");
  assert.equal(out("keys", "status").trim(), "0", out("keys", "err"));
  assert.equal(out("keys", "sock").trim(), "/run/buildkit/ssh_agent.0", "SSH_AUTH_SOCK set by llb");
  assert.deepEqual(lines(out("keys", "keys")), deployKeys);
});

test("--ssh default: the key added to a real ssh-agent with ssh-add reaches the build", () => {
  ok(builds["default"], "build with --ssh default");
  assert.equal(out("default", "status").trim(), "0", out("default", "err"));
  assert.deepEqual(lines(out("default", "keys")), [agentKey]);
});

test("a required ssh mount with an id --ssh does not give fails naming the id", () => {
  const r = builds["missing"]!;
  assert.notEqual(r.status, 0, "the build fails");
  assert.match(r.stderr, /unset ssh forward key missing/);
});

test("optional: true with an unknown id builds; the step finds no agent", () => {
  ok(builds["optional"]!, "build with an optional ssh mount");
  assert.equal(out("optional", "status").trim(), "2");
  assert.match(out("optional", "err"), /^sshcheck: dial unix \/run\/buildkit\/ssh_agent\.0: connect: no such file or directory/);
  assert.equal(out("optional", "keys"), "");
});

test("without --ssh a required ssh mount fails: no SSH key forwarded", () => {
  const r = builds["none"]!;
  assert.notEqual(r.status, 0, "the build fails");
  assert.match(r.stderr, /no SSH key "deploy" forwarded from the client/);
});
