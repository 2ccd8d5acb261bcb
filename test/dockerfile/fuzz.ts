/**
 * `npm run test:dockerfile-fuzz`: at least 100,000 random and mutated
 * Dockerfiles through src/dockerfile (the converter with the stub image
 * resolver, which parses and reads the instructions itself; the parser and
 * instructions.parse while there is no converter yet), no daemon. A failure is
 * anything thrown that is not a DockerfileError, or an input that takes longer
 * than the per-input limit (a hang). Inputs are generated from a seed and
 * their index, so a failure prints the seed, the index and the input, and
 * `--seed S --index I` replays one input.
 *
 * The inputs: half are mutations of the golden cases and the corpus (byte
 * flips, inserted tokens, deleted ranges, shuffled, duplicated and spliced
 * lines, truncation), half are generated (directives, every instruction in
 * random case with random flags, words with every expansion form, quotes,
 * escapes, JSON arrays, heredocs, continuations and comments; most of them
 * well-formed, so that they reach the converter's later steps). They run in
 * worker threads (two by default, each on its own share of the indexes) that
 * the main thread watches, so a hang can be stopped.
 *
 *   node dist/test/dockerfile/fuzz.js [--count N] [--seconds S] [--seed S] [--index I] [--timeout-ms T] [--workers W] [--show N]
 *
 * Ends with `N passed, M failed` (one per input, plus one failure if the time
 * box ends before N inputs).
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { prng } from "../../bench/lib.js";
import { DockerfileError } from "../../src/errors.js";
import { repoRoot } from "../lib/gobin.js";
import { StubResolver } from "./stub-resolver.js";
import { baseConvertOpt, loadDockerfileModule, sourceMapFor, type Request } from "./ts-side.js";
import { argValue } from "../lib/args.js";

// ---------------------------------------------------------------------------
// Generation (deterministic from seed and index).

type Rand = () => number;

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

const instructions = ["FROM", "ARG", "ENV", "LABEL", "RUN", "COPY", "ADD", "WORKDIR", "USER", "EXPOSE", "VOLUME", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD", "MAINTAINER"] as const;
const names = ["A", "B", "PATH", "HOME", "TARGETARCH", "BUILDPLATFORM", "TARGETPLATFORM", "V_1", "x", "", "1A", "SOURCE_DATE_EPOCH", "HTTP_PROXY"];
const plainWords = ["busybox", "alpine:3.20", "scratch", "example.com/onbuild:1", "example.com/missing:1", "/app", ".", "..", "*.txt", "a b", "src/", "/./x/", "1000:1000", "root", "8080/tcp", "sh", "-c", "echo", "hi", "=", "==", "a=b", "k=\"v w\"", "é", "\u0000", "\t", "#", "--", "-", "'", "\"", "\\", "`", "[", "]", "{}", "$", "${", "}", "${}", "$$", "<<", "<<EOF", "&&", ";", "|"];
const expansions = [
  (v: string) => `$${v}`,
  (v: string) => `\${${v}}`,
  (v: string) => `\${${v}:-w}`,
  (v: string) => `\${${v}-w}`,
  (v: string) => `\${${v}:+w}`,
  (v: string) => `\${${v}+w}`,
  (v: string) => `\${${v}:?m}`,
  (v: string) => `\${${v}?m}`,
  (v: string) => `\${${v}#*/}`,
  (v: string) => `\${${v}##*/}`,
  (v: string) => `\${${v}%.*}`,
  (v: string) => `\${${v}%%.*}`,
  (v: string) => `\${${v}/a/b}`,
  (v: string) => `\${${v}//a/b}`,
  (v: string) => `\${${v}:-\${${v}:+x}}`,
  (v: string) => `\${${v}:`,
  (v: string) => `\${${v}/`,
  (v: string) => `\\$${v}`,
];
const flags: Record<string, readonly string[]> = {
  FROM: ["--platform=linux/arm64", "--platform=$BUILDPLATFORM", "--platform=", "--platform=bad/x/y/z"],
  RUN: [
    "--mount=type=cache,target=/c",
    "--mount=type=cache,id=x,target=/c,sharing=locked,mode=0700,uid=1,gid=2",
    "--mount=type=bind,from=busybox,source=/,target=/b,rw",
    "--mount=type=bind,target=/ctx",
    "--mount=type=tmpfs,target=/t,size=1m",
    "--mount=type=secret,id=s,env=S,required",
    "--mount=type=ssh,id=default,target=/s",
    "--mount=type=weird",
    "--mount=target",
    "--mount=type=cache,target=$A",
    "--network=none",
    "--network=host",
    "--network=bad",
    "--security=insecure",
    "--security=sandbox",
    "--device=x",
  ],
  COPY: ["--from=busybox", "--from=0", "--from=$A", "--from=stage", "--chown=1:1", "--chown=$A", "--chmod=755", "--chmod=u+x", "--chmod=999", "--link", "--link=false", "--parents", "--exclude=*.md", "--exclude="],
  ADD: ["--checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000", "--checksum=bad", "--keep-git-dir=true", "--unpack=true", "--chown=a:b", "--chmod=0644", "--link", "--exclude=x"],
  HEALTHCHECK: ["--interval=1s", "--timeout=0s", "--start-period=-1s", "--start-interval=5s", "--retries=0", "--retries=x", "--interval=bad"],
};
const anyFlags = ["--", "--x", "--x=y", "--from", "--mount", "--platform=linux/amd64"];

function word(r: Rand): string {
  const k = r();
  if (k < 0.45) return pick(r, plainWords);
  if (k < 0.8) return pick(r, expansions)(pick(r, names));
  if (k < 0.9) return `"${word(r)} ${word(r)}"`;
  if (k < 0.95) return `'${word(r)}'`;
  return word(r) + word(r);
}

function words(r: Rand, max: number): string {
  const n = int(r, max + 1);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(word(r));
  return out.join(pick(r, [" ", " ", " ", "\t", "  "]));
}

function jsonArray(r: Rand): string {
  const n = int(r, 4);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(JSON.stringify(word(r)));
  const s = `[${items.join(", ")}]`;
  return r() < 0.1 ? s.slice(0, int(r, s.length + 1)) : s;
}

function heredoc(r: Rand): { head: string; body: string } {
  const name = pick(r, ["EOF", "EOT", "X", "eof", "E-1"]);
  const quote = pick(r, ["", "", "'", '"']);
  const dash = r() < 0.3 ? "-" : "";
  const fd = r() < 0.1 ? String(int(r, 10)) : "";
  const lines: string[] = [];
  if (r() < 0.2) lines.push("#!/usr/bin/env sh");
  for (let i = int(r, 4); i > 0; i--) lines.push((dash && r() < 0.5 ? "\t" : "") + words(r, 4));
  const close = r() < 0.9 ? (dash ? "\t" : "") + name : "";
  return { head: `${fd}<<${dash}${quote}${name}${quote}`, body: `\n${lines.join("\n")}${close ? "\n" + close : ""}` };
}

function randomCase(r: Rand, s: string): string {
  const k = r();
  return k < 0.8 ? s : k < 0.9 ? s.toLowerCase() : s[0] + s.slice(1).toLowerCase();
}

function instruction(r: Rand, depth = 0): string {
  const name = r() < 0.03 ? pick(r, ["FOO", "FRM", "", "RUN-", "#RUN"]) : pick(r, instructions);
  const parts = [randomCase(r, name)];
  const own = flags[name] ?? [];
  for (let n = int(r, 3); n > 0; n--) if (own.length || r() < 0.2) parts.push(r() < 0.85 && own.length ? pick(r, own) : pick(r, anyFlags));
  let tail = "";
  switch (name) {
    case "FROM":
      parts.push(word(r));
      if (r() < 0.5) parts.push(pick(r, ["AS", "as", "As"]), pick(r, ["build", "stage", "Stage", "0", "a-b", "$A", ""]));
      break;
    case "ARG":
    case "ENV":
    case "LABEL":
      for (let n = 1 + int(r, 3); n > 0; n--) parts.push(r() < 0.8 ? `${pick(r, names)}=${word(r)}` : word(r));
      break;
    case "RUN":
    case "COPY":
    case "ADD":
      if (r() < 0.25) {
        const h = heredoc(r);
        parts.push(h.head, words(r, 2));
        tail = h.body;
      } else parts.push(r() < 0.2 ? jsonArray(r) : words(r, 4));
      break;
    case "CMD":
    case "ENTRYPOINT":
    case "SHELL":
    case "VOLUME":
      parts.push(r() < 0.5 ? jsonArray(r) : words(r, 3));
      break;
    case "HEALTHCHECK":
      parts.push(pick(r, ["CMD", "NONE", "cmd", "X"]), r() < 0.5 ? jsonArray(r) : words(r, 3));
      break;
    case "ONBUILD":
      parts.push(depth < 2 && r() < 0.8 ? instruction(r, depth + 1) : words(r, 2));
      break;
    default:
      parts.push(words(r, 3));
  }
  let line = parts.join(" ");
  if (r() < 0.1) {
    // a continuation, maybe with comments and empty lines inside
    const at = int(r, line.length + 1);
    const mid = pick(r, ["\\\n", "\\\n# c\n", "\\\n\n", "\\ \n", "`\n"]);
    line = line.slice(0, at) + mid + line.slice(at);
  }
  return line + tail;
}

const validFlags: Record<string, readonly string[]> = {
  RUN: [
    "--mount=type=cache,target=/root/.cache",
    "--mount=type=cache,id=c1,target=/c,sharing=locked",
    "--mount=type=bind,from=stage,source=/,target=/dep",
    "--mount=type=bind,target=/ctx",
    "--mount=type=tmpfs,target=/tmp",
    "--mount=type=secret,id=tok,env=TOKEN",
    "--mount=type=secret,id=s,target=/run/s",
    "--mount=type=ssh",
    "--network=none",
    "--network=host",
    "--security=sandbox",
    "--security=insecure",
    "--network=default",
    "--mount=type=cache,target=/c,from=stage,source=/",
    "--mount=type=cache,target=/c,uid=1000,gid=1000,mode=0755",
    "--mount=type=bind,source=/etc,target=/e,rw",
    "--mount=type=bind,from=busybox,target=/b,readonly",
    "--mount=type=secret,id=${A:-s},required=true",
  ],
  COPY: ["--from=stage", "--from=busybox", "--from=0", "--chown=1000:1000", "--chown=${A:-1}:2", "--chmod=755", "--chmod=u=rwx,g=rx", "--link", "--link=false", "--exclude=*.md", "--parents"],
  ADD: ["--chown=1:1", "--chmod=0644", "--link", "--keep-git-dir=true", "--exclude=*.tmp", "--checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d", "--unpack=true"],
  HEALTHCHECK: ["--interval=30s", "--timeout=5s", "--start-period=1m", "--start-interval=2s", "--retries=3"],
};
const safeExpansions = expansions.filter((_, i) => ![6, 7, 15, 16, 17].includes(i));

/** A value that converts: a plain word or a well-formed expansion of a common name. */
function validWord(r: Rand): string {
  const k = r();
  if (k < 0.5) return pick(r, ["a", "b-c", "1.0", "/usr/local/bin", "x_y", "hello", "v$$"]);
  if (k < 0.9) return pick(r, safeExpansions)(pick(r, ["A", "B", "TARGETARCH", "BUILDPLATFORM", "HOME", "PATH", "V_1"]));
  return `"${validWord(r)} ${validWord(r)}"`;
}

function validFlagsOf(r: Rand, name: string): string {
  const own = validFlags[name];
  if (!own) return "";
  const out: string[] = [];
  for (let n = int(r, 3); n > 0; n--) out.push(pick(r, own));
  return out.length ? out.join(" ") + " " : "";
}

/** An instruction with its flags, arity and forms right (values may still expand to anything). */
function validInstruction(r: Rand, depth = 0): string {
  const name = pick(r, depth > 0 ? instructions.filter((i) => i !== "FROM" && i !== "ONBUILD") : instructions.filter((i) => i !== "FROM"));
  const f = validFlagsOf(r, name);
  const cmd = () => (r() < 0.3 ? JSON.stringify(["sh", "-c", `echo ${validWord(r)}`]) : `echo ${validWord(r)} ${validWord(r)}`);
  switch (name) {
    case "ARG":
      return `ARG ${pick(r, ["A", "B", "V_1", "TARGETARCH"])}${r() < 0.6 ? "=" + validWord(r) : ""}`;
    case "ENV":
      if (r() < 0.1) return `ENV ${pick(r, ["A", "LEGACY"])} ${validWord(r)} rest of line`;
      return `ENV ${pick(r, ["A", "B", "V_1", "PATH"])}=${validWord(r)}${r() < 0.3 ? ` B=${validWord(r)}` : ""}`;
    case "LABEL":
      return r() < 0.2 ? `LABEL a=1 "b c"="d e" org.example.x=${validWord(r)}` : `LABEL org.example.${pick(r, ["a", "b"])}=${validWord(r)}`;
    case "RUN": {
      const k = r();
      if (k < 0.15) return `RUN ${f}<<EOF\necho ${validWord(r)}\n${r() < 0.3 ? "#!/bin/sh\n" : ""}EOF`;
      // Heredoc forms: tab-stripped, quoted (no expansion), two in one instruction, piped into a command.
      if (k < 0.2) return `RUN ${f}<<-EOT\n\techo ${validWord(r)}\n\tEOT`;
      if (k < 0.25) return `RUN ${f}<<"EOF" bash\necho $HOME ${validWord(r)}\nEOF`;
      if (k < 0.28) return `RUN ${f}cat <<A <<B > /x\n${validWord(r)}\nA\n${validWord(r)}\nB`;
      if (k < 0.32) return `RUN ${f}--mount=type=cache,id=\${A:-c},target=/c${r() < 0.5 ? ",sharing=private" : ""} ${cmd()}`;
      return `RUN ${f}${cmd()}`;
    }
    case "COPY":
    case "ADD":
      if (r() < 0.15) return `${name} ${f.replace("--parents ", "")}<<EOF /f-${int(r, 9)}\n${validWord(r)}\nEOF`;
      return `${name} ${f}${pick(r, ["a.txt", "src/", ".", "*.go", ...(name === "ADD" ? ["https://example.com/f.tgz", "https://github.com/moby/buildkit.git#v0.12.0", "git@github.com:moby/buildkit.git"] : ["dir", "a.txt b.txt"])])} ${pick(r, ["/app/", "/dst", "${A:-/x}/", "rel/"])}`;
    case "WORKDIR":
      return `WORKDIR ${pick(r, ["/app", "rel", "/w/${A:-x}", "${HOME}/w", "..", "/a/../b/./c"])}`;
    case "USER":
      return `USER ${pick(r, ["1000", "app:app", "root", "${A:-nobody}"])}`;
    case "EXPOSE":
      return `EXPOSE ${pick(r, ["80", "443/tcp", "53/udp", "${PORT:-8080}", "8000-8002"])}`;
    case "VOLUME":
      return r() < 0.5 ? `VOLUME /data` : `VOLUME ["/a", "/b"]`;
    case "CMD":
    case "ENTRYPOINT":
      return `${name} ${cmd()}`;
    case "SHELL":
      return `SHELL ["/bin/sh", "-c"]`;
    case "HEALTHCHECK":
      return r() < 0.2 ? "HEALTHCHECK NONE" : r() < 0.2 ? `HEALTHCHECK ${f}CMD-SHELL ${cmd()}` : `HEALTHCHECK ${f}CMD ${cmd()}`;
    case "STOPSIGNAL":
      return `STOPSIGNAL ${pick(r, ["SIGTERM", "9", "SIGKILL"])}`;
    case "ONBUILD":
      return `ONBUILD ${validInstruction(r, depth + 1)}`;
    case "MAINTAINER":
      return `MAINTAINER me`;
    default:
      return `# ${name}`;
  }
}

/** A Dockerfile that mostly converts: stages with valid instructions, stage references, global args. */
function generatedValid(r: Rand): string {
  const lines: string[] = [];
  if (r() < 0.3) lines.push(`ARG A=${validWord(r)}`, `ARG BASE=busybox`);
  const stages = 1 + int(r, 3);
  for (let st = 0; st < stages; st++) {
    const base = st > 0 && r() < 0.4 ? "stage" : pick(r, ["busybox", "alpine:3.20", "scratch", "example.com/user-image:1", "example.com/onbuild:1", "${BASE:-busybox}"]);
    lines.push(`FROM ${r() < 0.3 ? pick(r, ["--platform=$BUILDPLATFORM ", "--platform=$TARGETPLATFORM ", "--platform=linux/arm64 "]) : ""}${base}${st === 0 ? " AS stage" : ""}`);
    for (let n = int(r, 8); n > 0; n--) lines.push(validInstruction(r));
  }
  return lines.join("\n") + "\n";
}

function generated(r: Rand): string {
  if (r() < 0.6) return generatedValid(r);
  const lines: string[] = [];
  if (r() < 0.2) lines.push(pick(r, ["# syntax=docker/dockerfile:1", "# escape=`", "# escape=\\", "# check=skip=all", "# check=error=true;experimental=all", "#escape=x", "# directive=unknown"]));
  if (r() < 0.3) lines.push(`ARG ${pick(r, names)}=${word(r)}`);
  if (r() < 0.9) lines.push(`FROM ${r() < 0.7 ? pick(r, ["busybox", "scratch", "alpine:3.20", "example.com/user-image:1"]) : word(r)}${r() < 0.4 ? " AS stage" : ""}`);
  for (let n = int(r, 10); n > 0; n--) {
    if (r() < 0.1) lines.push(pick(r, ["# comment", "", "   ", "\t# indented"]));
    lines.push(instruction(r));
  }
  return lines.join(pick(r, ["\n", "\n", "\n", "\r\n"])) + (r() < 0.8 ? "\n" : "");
}

function mutated(r: Rand, seeds: readonly string[]): string {
  let s = pick(r, seeds);
  for (let n = 1 + int(r, 4); n > 0; n--) {
    const k = int(r, 9);
    const at = int(r, s.length + 1);
    if (k === 0) s = s.slice(0, at) + String.fromCharCode(int(r, 128)) + s.slice(at + 1);
    else if (k === 1) s = s.slice(0, at) + word(r) + s.slice(at);
    else if (k === 2) s = s.slice(0, at) + s.slice(at + int(r, 20));
    else if (k === 3) s = s.slice(0, at) + pick(r, ["\\\n", "\n", "<<EOF\n", "\nEOF\n", "${", "}", '"', "'", "[", "--mount=", "\0", "\r"]) + s.slice(at);
    else if (k === 4) s = s.slice(0, at);
    else {
      const lines = s.split("\n");
      const i = int(r, lines.length);
      const j = int(r, lines.length);
      if (k === 5) [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      else if (k === 6) lines.splice(i, 0, lines[j]!);
      else if (k === 7) lines.splice(i, 0, instruction(r));
      else {
        const other = pick(r, seeds).split("\n");
        lines.splice(i, int(r, 3), ...other.slice(int(r, other.length), int(r, other.length) + 3));
      }
      s = lines.join("\n");
    }
  }
  return s;
}

const requests: Request[] = [
  {},
  { opts: { platform: "linux/arm64" } },
  { opts: { "build-arg:A": "a/b.c", "build-arg:TARGETARCH": "x", target: "stage" } },
  { opts: { "build-arg:SOURCE_DATE_EPOCH": "1700000000", "label:x": "y" } },
  { opts: { platform: "linux/amd64,linux/arm64" } },
  { opts: { "build-arg:BUILDKIT_MULTI_PLATFORM": "1", platform: "linux/arm/v7" } },
  { opts: { "add-hosts": "h1=1.2.3.4,h2=::1", "force-network-mode": "none", hostname: "h" } },
  { opts: { "no-cache": "", "image-resolve-mode": "pull", "shm-size": "1048576", ulimit: "nofile=1024:2048", "cgroup-parent": "/cg" } },
  { opts: { "context:busybox": "docker-image://alpine:3.20", "context:stage": "docker-image://example.com/user-image:1", target: "stage" } },
  { opts: { "context:alpine:3.20::linux/arm64": "docker-image://busybox", "context:other": "local:ctx", platform: "linux/arm64,linux/amd64" } },
  { opts: { "build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR": "1", "build-arg:SOURCE_DATE_EPOCH": "0", "build-arg:BUILDKIT_SANDBOX_HOSTNAME": "sb", target: "stage" } },
  { opts: { "build-arg:BUILDKIT_CACHE_MOUNT_NS": "ns", "build-arg:HTTP_PROXY": "http://proxy:3128", "build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true" } },
];

export function seedTexts(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) {
        if (!e.startsWith("_")) walk(p);
      }
      else if (e === "Dockerfile" || e.endsWith(".Dockerfile")) out.push(readFileSync(p, "utf8"));
    }
  };
  walk(join(repoRoot, "test", "dockerfile", "cases"));
  walk(join(repoRoot, "test", "dockerfile-corpus"));
  return out.length ? out : ["FROM busybox\nRUN true\n"];
}

/** Input number `index` of a run: its bytes and its request. */
export function fuzzInput(seed: string, index: number, seeds: readonly string[]): { dt: Uint8Array; request: Request; text: string } {
  const r = prng(`${seed}:${index}`);
  const text = r() < 0.5 ? mutated(r, seeds) : generated(r);
  let dt = new TextEncoder().encode(text);
  if (r() < 0.05 && dt.length > 0) {
    dt = dt.slice();
    dt[int(r, dt.length)] = int(r, 256);
  }
  return { dt, request: pick(r, requests), text };
}

// ---------------------------------------------------------------------------
// The worker: runs inputs and reports progress through a shared counter.

interface Failure {
  index: number;
  error: string;
}

async function workerMain(): Promise<void> {
  const { seed, from, to, progress } = workerData as { seed: string; from: number; to: number; progress: SharedArrayBuffer };
  const counter = new Int32Array(progress);
  const seeds = seedTexts();
  const mod = await loadDockerfileModule();
  const resolver = new StubResolver();
  const bases = await Promise.all(requests.map((q) => baseConvertOpt(mod, new Uint8Array(), q, resolver).catch(() => undefined)));
  const instr = await loadInstructionsParse();
  const runOne = async (i: number): Promise<unknown> => {
    const inp = fuzzInput(seed, i, seeds);
    try {
      if (mod.dockerfile2LLB) {
        const base = bases[requests.indexOf(inp.request)];
        if (!base) throw new Error("no ConvertOpt for the request");
        await mod.dockerfile2LLB(inp.dt, { ...base.opt, sourceMap: sourceMapFor(inp.dt, base.opt.sourceMap), targetPlatform: base.targets[0] });
      } else if (mod.parse) {
        const res = mod.parse(inp.dt);
        instr?.(res.ast);
      } else throw new Error("src/dockerfile has neither dockerfile2LLB nor parse");
      return undefined;
    } catch (err) {
      return err;
    }
  };
  let accepted = 0;
  let rejected = 0;
  // Most inputs are rejected with an error: stack traces are most of their cost, so they are
  // captured only when an input fails, by running it again.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  for (let i = from; i < to; i++) {
    Atomics.store(counter, 0, i);
    let err = await runOne(i);
    if (err === undefined) accepted++;
    else if (err instanceof DockerfileError) rejected++;
    else {
      Error.stackTraceLimit = limit;
      err = (await runOne(i)) ?? err;
      Error.stackTraceLimit = 0;
      parentPort!.postMessage({ index: i, error: err instanceof Error ? (err.stack || `${err.name}: ${err.message}`) : String(err) } satisfies Failure);
    }
    Atomics.store(counter, 1, i + 1);
  }
  parentPort!.postMessage({ done: true, accepted, rejected, stage: mod.dockerfile2LLB ? "converter" : instr ? "parser + instructions" : "parser" });
}

async function loadInstructionsParse(): Promise<((ast: unknown) => void) | undefined> {
  const file = join(repoRoot, "dist", "src", "dockerfile", "instructions", "parse.js");
  if (!existsSync(file)) return undefined;
  const m = (await import(file)) as { parse?: (ast: unknown, lint: undefined) => unknown };
  return m.parse ? (ast) => void m.parse!(ast, undefined) : undefined;
}

// ---------------------------------------------------------------------------
// The main thread: starts a worker on the remaining range, restarts it after a hang.


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const count = Number(argValue(args, "--count") ?? 100_000);
  const seconds = Number(argValue(args, "--seconds") ?? 120);
  const timeoutMs = Number(argValue(args, "--timeout-ms") ?? 3000);
  const seed = argValue(args, "--seed") ?? process.env["FUZZ_SEED"] ?? Math.random().toString(36).slice(2, 10);
  const show = Number(argValue(args, "--show") ?? 0);
  if (show > 0) {
    const seedsShown = seedTexts();
    const s0 = argValue(args, "--seed") ?? "show";
    for (let i = 0; i < show; i++) console.log(`--- ${i}\n${fuzzInput(s0, i, seedsShown).text}`);
    return;
  }
  const only = argValue(args, "--index");
  const from = only !== undefined ? Number(only) : 0;
  const to = only !== undefined ? from + 1 : count;
  const workers = only !== undefined ? 1 : Math.max(1, Math.min(Number(argValue(args, "--workers") ?? 2), availableParallelism()));
  console.log(`fuzz seed ${seed}: inputs ${from}..${to - 1} in ${workers} worker(s), ${seconds} s at most, ${timeoutMs} ms per input`);
  const seeds = seedTexts();
  const failures: Failure[] = [];
  const deadline = performance.now() + seconds * 1000;
  const tally = { accepted: 0, rejected: 0, stage: "" };
  const t0 = performance.now();

  /** Runs inputs [lo, hi) in worker threads (a new one after a hang or a crash); the count it ran and whether time ran out. */
  const runRange = async (lo: number, hi: number): Promise<{ ran: number; timedOut: boolean }> => {
    const progress = new SharedArrayBuffer(8);
    const counter = new Int32Array(progress);
    let next = lo;
    while (next < hi) {
      Atomics.store(counter, 0, next);
      Atomics.store(counter, 1, next);
      const started = next;
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seed, from: next, to: hi, progress } });
      const ended = await new Promise<"done" | "hang" | "time" | "error" | "fatal">((resolve) => {
        let last = -1;
        let since = performance.now();
        const timer = setInterval(() => {
          const cur = Atomics.load(counter, 1);
          if (cur !== last) {
            last = cur;
            since = performance.now();
          } else if (performance.now() - since > timeoutMs) {
            clearInterval(timer);
            resolve("hang");
          }
          if (performance.now() > deadline) {
            clearInterval(timer);
            resolve("time");
          }
        }, 50);
        worker.on("message", (m: Failure | { done: true; accepted: number; rejected: number; stage: string }) => {
          if ("done" in m) {
            tally.accepted += m.accepted;
            tally.rejected += m.rejected;
            tally.stage = m.stage;
            clearInterval(timer);
            resolve("done");
          } else failures.push(m);
        });
        worker.on("error", (err) => {
          failures.push({ index: Atomics.load(counter, 0), error: `worker died: ${err.stack ?? err.message}` });
          clearInterval(timer);
          // A worker that dies before finishing one input would die again for every next one.
          resolve(Atomics.load(counter, 1) === started ? "fatal" : "error");
        });
      });
      await worker.terminate();
      if (ended === "done") next = hi;
      else if (ended === "fatal") return { ran: next - lo, timedOut: false };
      else if (ended === "time") return { ran: Atomics.load(counter, 1) - lo, timedOut: true };
      else {
        const at = Atomics.load(counter, 0);
        if (ended === "hang") failures.push({ index: at, error: `no answer within ${timeoutMs} ms (hang)` });
        next = at + 1;
      }
    }
    return { ran: hi - lo, timedOut: false };
  };
  const per = Math.ceil((to - from) / workers);
  const parts = await Promise.all(Array.from({ length: workers }, (_, w) => runRange(from + w * per, Math.min(to, from + (w + 1) * per))));
  const timedOut = parts.some((p) => p.timedOut);
  const ran = parts.reduce((n, p) => n + p.ran, 0);
  const seen = new Set<number>();
  for (const f of failures.sort((a, b) => a.index - b.index)) {
    if (seen.has(f.index)) continue;
    seen.add(f.index);
    if (seen.size > 20) continue; // counted, not printed
    const inp = fuzzInput(seed, f.index, seeds);
    const text = inp.text.length > 4000 ? inp.text.slice(0, 4000) + "...(truncated)" : inp.text;
    console.log(`FAIL seed ${seed} index ${f.index} (replay: --seed ${seed} --index ${f.index}) request ${JSON.stringify(inp.request)}\n  input: ${JSON.stringify(text)}\n  ${f.error.split("\n").slice(0, 8).join("\n  ")}`);
  }
  if (seen.size > 20) console.log(`(${seen.size - 20} more failing inputs not shown)`);
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `fuzz: ${ran} inputs through the ${tally.stage || "?"} in ${secs.toFixed(1)} s (${Math.round(ran / secs)}/s): ${tally.accepted} accepted, ${tally.rejected} rejected with a DockerfileError, ${seen.size} failing (accepted/rejected: of the worker runs that finished)`,
  );
  let failed = seen.size;
  if (timedOut && ran < to - from) {
    console.log(`FAIL time box: ${ran} of ${to - from} inputs in ${seconds} s`);
    failed++;
  }
  console.log(`${ran - seen.size} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (!isMainThread) await workerMain();
else if (basename(process.argv[1] ?? "") === "fuzz.js") await main();
