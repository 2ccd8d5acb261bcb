import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import assert from "node:assert/strict";

import { LlbError } from "../errors.js";
import { cpuQuota, cpusetCpus, memoryLimit, memorySwapLimit } from "./exec.js";
import { NetMode, SecurityMode } from "./pb.js";
import { parsePlatform } from "./platform.js";
import { scratch, StateKey, type MarshalOptions, type State } from "./state.js";
import type { Definition } from "./definition.js";

// ---------------------------------------------------------------------------
// A tiny protobuf reader: fields as lists of varints (bigint) or byte slices.

type Field = bigint | Uint8Array;
type Msg = Map<number, Field[]>;

function readMsg(b: Uint8Array): Msg {
  const m: Msg = new Map();
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[p++]!;
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) return v;
      shift += 7n;
    }
  };
  while (p < b.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    let val: Field;
    if ((tag & 7) === 0) val = varint();
    else if ((tag & 7) === 2) {
      const n = Number(varint());
      val = b.subarray(p, p + n);
      p += n;
    } else throw new Error(`wire type ${tag & 7}`);
    const l = m.get(field) ?? [];
    l.push(val);
    m.set(field, l);
  }
  return m;
}

const td = new TextDecoder();
const str = (m: Msg, f: number): string => {
  const v = m.get(f)?.[0];
  return v instanceof Uint8Array ? td.decode(v) : "";
};
const strs = (m: Msg, f: number): string[] => (m.get(f) ?? []).map((v) => td.decode(v as Uint8Array));
const int = (m: Msg, f: number): bigint => (m.get(f)?.[0] as bigint | undefined) ?? 0n;
/** int64 as a signed number. */
const sint = (m: Msg, f: number): number => Number(BigInt.asIntN(64, int(m, f)));
const sub = (m: Msg, f: number): Msg | undefined => {
  const v = m.get(f)?.[0];
  return v instanceof Uint8Array ? readMsg(v) : undefined;
};
const subs = (m: Msg, f: number): Msg[] => (m.get(f) ?? []).map((v) => readMsg(v as Uint8Array));

interface DecodedMount {
  input: number;
  selector: string;
  dest: string;
  output: number;
  readonly: boolean;
  type: number;
  tmpfsSize?: number;
  cache?: { id: string; sharing: number };
  secret?: { id: string; uid: number; gid: number; mode: number; optional: boolean };
  ssh?: { id: string; uid: number; gid: number; mode: number; optional: boolean };
  contentCache: number;
}

function decodeExec(bytes: Uint8Array) {
  const op = readMsg(bytes);
  const inputs = subs(op, 1).map((i) => ({ digest: str(i, 1), index: sint(i, 2) }));
  const plat = sub(op, 10);
  const exec = sub(op, 2);
  assert.ok(exec, "not an exec op");
  const meta = sub(exec, 1)!;
  const secretOpt = (x: Msg | undefined) =>
    x && { id: str(x, 1), uid: sint(x, 2), gid: sint(x, 3), mode: sint(x, 4), optional: int(x, 5) === 1n };
  const mounts: DecodedMount[] = subs(exec, 2).map((m) => {
    const out: DecodedMount = {
      input: sint(m, 1),
      selector: str(m, 2),
      dest: str(m, 3),
      output: sint(m, 4),
      readonly: int(m, 5) === 1n,
      type: sint(m, 6),
      contentCache: sint(m, 24),
    };
    const t = sub(m, 19);
    if (t) out.tmpfsSize = sint(t, 1);
    const c = sub(m, 20);
    if (c) out.cache = { id: str(c, 1), sharing: sint(c, 2) };
    const s = secretOpt(sub(m, 21));
    if (s) out.secret = s;
    const ss = secretOpt(sub(m, 22));
    if (ss) out.ssh = ss;
    return out;
  });
  const proxy = sub(meta, 5);
  return {
    inputs,
    platform: plat && { os: str(plat, 2), arch: str(plat, 1) },
    args: strs(meta, 1),
    env: strs(meta, 2),
    cwd: str(meta, 3),
    user: str(meta, 4),
    proxy: proxy && [1, 2, 3, 4, 5].map((f) => str(proxy, f)),
    extraHosts: subs(meta, 6).map((h) => `${str(h, 1)}=${str(h, 2)}`),
    hostname: str(meta, 7),
    ulimits: subs(meta, 9).map((u) => [str(u, 1), sint(u, 2), sint(u, 3)]),
    cgroupParent: str(meta, 10),
    removeMountStubsRecursive: int(meta, 11) === 1n,
    validExitCodes: (meta.get(12) ?? []).flatMap((v) => [...readPacked(v as Uint8Array)]),
    mounts,
    network: sint(exec, 3),
    security: sint(exec, 4),
    secretenv: subs(exec, 5).map((s) => ({ id: str(s, 1), name: str(s, 2), optional: int(s, 3) === 1n })),
    cdi: subs(exec, 6).map((d) => ({ name: str(d, 1), optional: int(d, 2) === 1n })),
  };
}

function readPacked(b: Uint8Array): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < b.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[p++]!;
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) break;
      shift += 7n;
    }
    out.push(Number(BigInt.asIntN(64, v)));
  }
  return out;
}

const amd64 = parsePlatform("linux/amd64");
const opts = (o: MarshalOptions = {}): MarshalOptions => ({ platform: amd64, localUniqueID: "u", ...o });

/** The op the terminal op points at, and the definition. */
async function marshalHead(st: State, o?: MarshalOptions): Promise<{ def: Definition; head: ReturnType<typeof decodeExec>; headDigest: string }> {
  const def = await st.marshal(opts(o));
  const term = readMsg(def.def[def.def.length - 1]!);
  const headDigest = str(subs(term, 1)[0]!, 1);
  const idx = def.def.findIndex((b) => digestOf(b) === headDigest);
  return { def, head: decodeExec(def.def[idx]!), headDigest };
}

function digestOf(b: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(b).digest("hex");
}

function terminalDigest(def: Definition): string {
  return digestOf(def.def[def.def.length - 1]!);
}

function capsOf(def: Definition, digest: string): string[] {
  return Object.keys(def.metadata.get(digest)?.caps ?? {}).sort();
}

const src = (name: string): State => scratch().run({ shlex: "gen " + name, dir: "/" }).root();

// ---------------------------------------------------------------------------
// Graphs checked byte for byte against Go (buildkit v0.32.2 client/llb): the
// same graphs are built in Go (test/golden/go/table_exec.go) with scratch-based
// sources and marshalled with LinuxAmd64 + LocalUniqueID("u"); Go's terminal
// digests are test/golden/tables/exec.json, recomputed (`golden table exec`)
// in every golden run.
const goTerminals = new Map(
  JSON.parse(readFileSync(fileURLToPath(new URL("../../../test/golden/tables/exec.json", import.meta.url)), "utf8")) as [string, string][],
);
function goTerminal(name: string): string {
  const d = goTerminals.get(name);
  assert.ok(d, `no row ${name} in test/golden/tables/exec.json`);
  return d;
}

test("args, env order, dirs, user and shlex with escapes match Go", async () => {
  const st = scratch()
    .run({
      shlex: String.raw`sh -c "echo \"a\\b\" \x" 'y' #c`,
      env: [
        ["A", "1"],
        ["B", "2"],
        ["A", "3"],
      ],
      with: [(s) => s.dir("/src"), (s) => s.dir("sub")],
      user: "u:g",
    })
    .root();
  const { def, head } = await marshalHead(st);
  assert.deepEqual(head.args, ["sh", "-c", 'echo "a\\b" x', "y"]);
  assert.deepEqual(head.env, ["B=2", "A=3"]);
  assert.equal(head.cwd, "/src/sub");
  assert.equal(head.user, "u:g");
  assert.equal(head.removeMountStubsRecursive, true);
  assert.deepEqual(head.platform, { os: "linux", arch: "amd64" });
  assert.deepEqual(head.mounts, [{ input: -1, selector: "", dest: "/", output: 0, readonly: false, type: 0, contentCache: 0 }]);
  assert.equal(terminalDigest(def), goTerminal("args-env-dirs-user"));
});

test("mounts of every kind: sorted, inputs deduplicated, outputs numbered, caps", async () => {
  const base = src("base");
  const es = base.run({
    shlex: "true",
    mounts: [
      { target: "/z", source: src("z") },
      { target: "/ro", source: src("ro"), readonly: true, contentCache: "on" },
      { target: "/sel", source: src("sel"), selector: "/etc", contentCache: "off" },
      { target: "/nout", source: src("z"), forceNoOutput: true },
      { target: "/cache1", cache: { id: "c1", sharing: "shared" } },
      { target: "/cache2", source: src("seed"), cache: { id: "c2", sharing: "private" } },
      { target: "/cache3", source: scratch(), cache: { id: "c3", sharing: "locked" } },
      { target: "/tmp", tmpfs: true },
      { target: "/shm", tmpfs: { size: 64 << 20 } },
      { target: "/base", source: base, readonly: true },
      { target: "/a" },
    ],
  });
  const out = es.addMount("/out", scratch());
  const a = es.getMount("/a");
  const z = es.getMount("/z");
  const second = es.root().run({
    shlex: "use",
    mounts: [
      { target: "/in", source: out, readonly: true },
      { target: "/in2", source: a },
      { target: "/in3", source: z },
      { target: "/in4", source: out },
    ],
  });
  const final = second.addMount("/x", es.getMount("/ro"));

  // The first exec on its own.
  const first = await marshalHead(es.root());
  const m = first.head.mounts;
  assert.deepEqual(
    m.map((x) => x.dest),
    ["/", "/a", "/base", "/cache1", "/cache2", "/cache3", "/nout", "/out", "/ro", "/sel", "/shm", "/tmp", "/z"],
  );
  assert.deepEqual(
    m.map((x) => x.output),
    [0, 1, -1, -1, -1, -1, -1, 2, -1, 3, -1, -1, 4],
  );
  // "/" and "/base" share one input; "/nout" and "/z" are distinct ops with equal bytes: one input.
  assert.deepEqual(
    m.map((x) => x.input),
    [0, -1, 0, -1, 1, -1, 2, -1, 3, 4, -1, -1, 2],
  );
  assert.equal(first.head.inputs.length, 5);
  assert.deepEqual(m[3]!.cache, { id: "c1", sharing: 0 });
  assert.deepEqual(m[4]!.cache, { id: "c2", sharing: 1 });
  assert.deepEqual(m[5]!.cache, { id: "c3", sharing: 2 });
  assert.equal(m[3]!.type, 3);
  assert.equal(m[11]!.type, 4);
  assert.equal(m[11]!.tmpfsSize, 0);
  assert.equal(m[10]!.tmpfsSize, 64 << 20);
  assert.equal(m[8]!.contentCache, 1);
  assert.equal(m[9]!.contentCache, 2);
  assert.equal(m[9]!.selector, "/etc");
  assert.equal(m[8]!.readonly, true);
  assert.deepEqual(capsOf(first.def, first.headDigest), [
    "exec.meta.base",
    "exec.mount.bind",
    "exec.mount.cache",
    "exec.mount.cache.content",
    "exec.mount.cache.sharing",
    "exec.mount.selector",
    "exec.mount.tmpfs",
    "exec.mount.tmpfs.size",
  ]);

  // "/x" mounts the first exec's readonly "/ro" output, which is src("ro") itself.
  const all = await marshalHead(final);
  assert.equal(terminalDigest(all.def), goTerminal("mounts"));
});

test("mount outputs used by a second exec share inputs by (digest, index)", async () => {
  const es = src("b").run({ shlex: "gen" });
  const out = es.addMount("/out", scratch());
  const again = es.getMount("/out");
  const second = scratch().run({
    shlex: "use",
    mounts: [
      { target: "/in", source: out, readonly: true },
      { target: "/in2", source: again, readonly: true },
      { target: "/root", source: es.root(), readonly: true },
    ],
  });
  const { head } = await marshalHead(second.root());
  assert.equal(head.inputs.length, 2);
  assert.deepEqual(
    head.inputs.map((i) => i.index),
    [1, 0],
  );
  assert.deepEqual(
    head.mounts.map((x) => [x.dest, x.input]),
    [
      ["/", -1],
      ["/in", 0],
      ["/in2", 0],
      ["/root", 1],
    ],
  );
});

test("secrets (file, env, both, neither) and ssh sockets match Go", async () => {
  const st = src("b")
    .run({
      shlex: "x",
      secrets: [
        { target: "/run/secrets/npmrc", id: "npmrc", uid: 1000, gid: 1001, mode: 0o440, optional: true },
        { env: "TOKEN" },
        { id: "gh", env: "GH_TOKEN", optional: true },
        { id: "both", target: "/run/both", env: "BOTH" },
        { id: "none" },
      ],
      ssh: [{}, { id: "k", target: "/run/ssh.sock", optional: true }, { target: "", uid: 1000, gid: 1001, mode: 0o660 }],
      mounts: [{ target: "/zzz" }],
    })
    .root();
  const { def, head, headDigest } = await marshalHead(st);
  assert.deepEqual(
    head.mounts.map((x) => [x.dest, x.type, x.input, x.output]),
    [
      ["/", 0, 0, 0],
      ["/zzz", 0, -1, 1],
      ["/run/secrets/npmrc", 1, -1, 0],
      ["/run/both", 1, -1, 0],
      ["/run/buildkit/ssh_agent.0", 2, -1, 0],
      ["/run/ssh.sock", 2, -1, 0],
      ["/run/buildkit/ssh_agent.2", 2, -1, 0],
    ],
  );
  assert.deepEqual(head.mounts[2]!.secret, { id: "npmrc", uid: 1000, gid: 1001, mode: 0o440, optional: true });
  assert.deepEqual(head.mounts[3]!.secret, { id: "both", uid: 0, gid: 0, mode: 0o400, optional: false });
  assert.deepEqual(head.mounts[4]!.ssh, { id: "", uid: 0, gid: 0, mode: 0o600, optional: false });
  assert.deepEqual(head.mounts[6]!.ssh, { id: "", uid: 1000, gid: 1001, mode: 0o660, optional: false });
  assert.deepEqual(head.secretenv, [
    { id: "TOKEN", name: "TOKEN", optional: false },
    { id: "gh", name: "GH_TOKEN", optional: true },
    { id: "both", name: "BOTH", optional: false },
  ]);
  assert.deepEqual(head.env, ["SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0"]);
  assert.deepEqual(capsOf(def, headDigest), ["exec.meta.base", "exec.mount.bind", "exec.mount.secret", "exec.mount.ssh", "exec.secretenv"]);
  assert.equal(terminalDigest(def), goTerminal("secrets-ssh"));
});

test("SSH_AUTH_SOCK already set is kept", async () => {
  const st = scratch().addEnv("SSH_AUTH_SOCK", "/custom.sock").run({ shlex: "ssh-add -l", ssh: [{ id: "default" }] }).root();
  const { head } = await marshalHead(st);
  assert.deepEqual(head.env, ["SSH_AUTH_SOCK=/custom.sock"]);
});

test("meta: hostname, network, security, extra hosts, ulimits, cgroup, exit codes, proxy, cdi, resources", async () => {
  const st = src("b")
    .run({
      shlex: "x",
      hostname: "h",
      network: NetMode.HOST,
      security: SecurityMode.INSECURE,
      extraHosts: [
        { host: "v4", ip: "10.0.0.5" },
        { host: "v6", ip: "2001:db8:0:0::1" },
        { host: "v6b", ip: "1:0:0:2:0:0:0:3" },
        { host: "m", ip: "::ffff:1.2.3.4" },
        { host: "e", ip: "::1.2.3.4" },
        { host: "bad", ip: "01.2.3.4" },
      ],
      ulimits: [
        { name: "nofile", soft: 1024, hard: 4096 },
        { name: "nproc", soft: -1, hard: -1 },
      ],
      cgroupParent: "/cg",
      validExitCodes: [0, 1, 255],
      proxyEnv: { httpProxy: "hp", noProxy: "np" },
      cdiDevices: [{ name: "nvidia.com/gpu=all" }, { name: "v/d=1", optional: true }],
      linuxResources: { memory: 1 << 30 },
      customName: "meta",
      ignoreCache: true,
    })
    .root();
  const { def, head, headDigest } = await marshalHead(st);
  assert.equal(head.hostname, "h");
  assert.equal(head.network, NetMode.HOST);
  assert.equal(head.security, SecurityMode.INSECURE);
  assert.deepEqual(head.extraHosts, ["v4=10.0.0.5", "v6=2001:db8::1", "v6b=1:0:0:2::3", "m=1.2.3.4", "e=::102:304", "bad=<nil>"]);
  assert.deepEqual(head.ulimits, [
    ["nofile", 1024, 4096],
    ["nproc", -1, -1],
  ]);
  assert.equal(head.cgroupParent, "/cg");
  assert.deepEqual(head.validExitCodes, [0, 1, 255]);
  assert.deepEqual(head.proxy, ["hp", "", "", "np", ""]);
  assert.deepEqual(head.cdi, [
    { name: "nvidia.com/gpu=all", optional: false },
    { name: "v/d=1", optional: true },
  ]);
  // No cgroup-parent cap: Go never adds it.
  assert.deepEqual(capsOf(def, headDigest), [
    "exec.meta.base",
    "exec.meta.cdi",
    "exec.meta.linux.resources",
    "exec.meta.network",
    "exec.meta.proxyenv",
    "exec.meta.security",
    "exec.meta.ulimit",
    "exec.mount.bind",
    "exec.validexitcode",
  ]);
  assert.equal(def.metadata.get(headDigest)?.description?.["llb.customname"], "meta");
  assert.equal(terminalDigest(def), goTerminal("meta"));
});

test("readonly rootfs: root() is the base; a writable mount gets output 0", async () => {
  const base = src("b");
  const es = base.run({ shlex: "cp", readonlyRootfs: true, network: NetMode.NONE });
  assert.equal(es.root().output(), base.output());
  const st = es.addMount("/out", scratch());
  const { def, head } = await marshalHead(st);
  assert.deepEqual(
    head.mounts.map((x) => [x.dest, x.readonly, x.output]),
    [
      ["/", true, -1],
      ["/out", false, 0],
    ],
  );
  assert.equal(terminalDigest(def), goTerminal("readonly-rootfs"));
});

test("caps unknown / known / known without setsdefaultpath / windows", async () => {
  const mk = (ssh: boolean) => src("b").addEnv("FOO", "bar").run({ shlex: "env", ...(ssh ? { ssh: [{}] } : {}) }).root();

  const unknown = await marshalHead(mk(false));
  assert.deepEqual(unknown.head.env, ["FOO=bar"]);
  assert.ok(!capsOf(unknown.def, unknown.headDigest).includes("exec.meta.setsdefaultpath"));

  const empty = await marshalHead(mk(true), { caps: [] });
  assert.deepEqual(empty.head.env, [
    "FOO=bar",
    "SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0",
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  ]);
  assert.equal(terminalDigest(empty.def), goTerminal("caps-empty-ssh"));

  const known = await marshalHead(mk(false), { caps: ["exec.meta.setsdefaultpath"] });
  assert.deepEqual(known.head.env, ["FOO=bar"]);
  assert.deepEqual(capsOf(known.def, known.headDigest), ["exec.meta.base", "exec.meta.setsdefaultpath", "exec.mount.bind"]);
  assert.equal(terminalDigest(known.def), goTerminal("caps-known"));

  const win = await marshalHead(src("b").run({ shlex: "cmd" }).root(), { platform: parsePlatform("windows/amd64"), caps: [] });
  assert.deepEqual(win.head.env, []);
  assert.equal(terminalDigest(win.def), goTerminal("caps-windows"));

  // Go's Marshal always has a platform (the host's, linux, when none is given): an exec whose own
  // platform is windows still gets PATH unless the marshal platform is windows (exec.go:166-172).
  const ownWin = scratch().run({ shlex: "cmd", platform: parsePlatform("windows/amd64") }).root();
  const ownWinDef = await ownWin.marshal({ caps: [] });
  const ownWinExec = ownWinDef.def.find((b) => readMsg(b).has(2))!;
  assert.deepEqual(decodeExec(ownWinExec).env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
  // What Go's client/llb v0.32.2 gives for llb.Scratch().Run(llb.Shlex("cmd"), llb.Platform(windows/amd64)) marshalled with WithCaps(nil set).
  assert.equal(digestOf(ownWinExec), "sha256:1df7620ebf07fc9aeeabfa9badb7895df1b2830fa980ba6eee1acdcea78496e1");

  const path = await marshalHead(scratch().addEnv("PATH", "/custom/bin").run({ shlex: "env" }).root(), { caps: [] });
  assert.deepEqual(path.head.env, ["PATH=/custom/bin"]);
});

test("platform: from the state, or from run() (also on mount outputs)", async () => {
  const fromState = await marshalHead(
    scratch().platform({ os: "linux", architecture: "arm64" }).run({ shlex: "uname", validExitCodes: [] }).root(),
  );
  assert.deepEqual(fromState.head.platform, { os: "linux", arch: "arm64" });
  assert.deepEqual(fromState.head.validExitCodes, []);
  assert.ok(!capsOf(fromState.def, fromState.headDigest).includes("exec.validexitcode"));
  assert.equal(terminalDigest(fromState.def), goTerminal("platform-from-state"));

  const es = scratch().run({ shlex: "uname", platform: parsePlatform("linux/arm64") });
  const next = es.addMount("/o", scratch()).run({ shlex: "next" }).root();
  const fromRun = await marshalHead(next);
  assert.deepEqual(fromRun.head.platform, { os: "linux", arch: "arm64" });
  assert.equal(terminalDigest(fromRun.def), goTerminal("platform-from-run"));
});

test("shlex errors keep the words before, as Go ignores the error", async () => {
  const { def, head } = await marshalHead(scratch().run({ shlex: `echo ok "unterminated` }).root());
  assert.deepEqual(head.args, ["echo", "ok"]);
  assert.equal(terminalDigest(def), goTerminal("shlex-error"));
  await assert.rejects(scratch().run({ shlex: `"unterminated` }).root().marshal(opts()), /arguments are required/);
});

test("many mounts with equal targets are ordered by Go's unstable sort", async () => {
  const mounts = [];
  for (let i = 0; i < 25; i++) mounts.push({ target: `/m${(i * 7) % 4}`, source: src(`s${i}`) });
  const es = scratch().run({ shlex: "many", mounts });
  const st = es.addMount("/m1", src("late"));
  const def = await st.marshal(opts());
  assert.equal(terminalDigest(def), goTerminal("many-mounts"));
});

test("the run() result keeps the calling state's values, not the exec's", async () => {
  const st = scratch().dir("/orig").run({ shlex: "a", dir: "/other", env: { X: "1" } }).root();
  assert.equal(st.getDir(), "/orig");
  assert.equal(st.getEnv("X"), undefined);
  const { def, head } = await marshalHead(st.run({ shlex: "b" }).root());
  assert.equal(head.cwd, "/orig");
  assert.equal(terminalDigest(def), goTerminal("run-keeps-state"));
});

// ---------------------------------------------------------------------------
// Errors and helpers.

test("errors surface at marshal time, not at build time", async () => {
  await assert.rejects(scratch().run({}).root().marshal(opts()), (e) => e instanceof LlbError && /arguments are required/.test(e.message));
  await assert.rejects(scratch().withValue(StateKey.dir, "").run({ args: ["x"] }).root().marshal(opts()), /working directory is required/);
  await assert.rejects(src("b").run({ args: ["x"], mounts: [{ target: "/t", source: src("c"), tmpfs: true }] }).root().marshal(opts()), /tmpfs mounts must use scratch/);

  const es = src("b").run({ args: ["x"], mounts: [{ target: "/t", tmpfs: true }, { target: "/n", forceNoOutput: true }, { target: "/c", cache: { id: "c" } }] });
  const user = (s: State) => scratch().run({ args: ["y"], mounts: [{ target: "/in", source: s }] }).root().marshal(opts());
  await assert.rejects(user(es.getMount("/t")), /tmpfs mount for \/t can't be used as a parent/);
  await assert.rejects(user(es.getMount("/n")), /mount marked no-output and \/n can't be used as a parent/);
  await assert.rejects(user(es.getMount("/c")), /invalid mount: \/c/);
  assert.equal(es.getMount("/nope").output(), undefined);
  await assert.rejects(src("b").run({ args: ["x"], security: 7 as SecurityMode }).root().marshal(opts()), /invalid security mode 7/);
});

test("state options in `with` apply in order after the fields", async () => {
  const st = scratch().run({ args: ["x"], dir: "/a", env: { A: "1" }, with: [(s) => s.dir("b"), (s) => s.addEnv("A", "2"), (s) => s.args("y")] }).root();
  const { head } = await marshalHead(st);
  assert.equal(head.cwd, "/a/b");
  assert.deepEqual(head.env, ["A=2"]);
  assert.deepEqual(head.args, ["y"]);
});

test("resource options refine linuxResources given before them, or create the record (Go's MemoryLimit, CPUQuota...)", async () => {
  const refined = src("b")
    .run({
      shlex: "x",
      linuxResources: { memory: 1 << 30, cpuShares: 512, cpusetCpus: "0-1" },
      constraints: [memoryLimit(512 << 20), cpuQuota(25000), cpusetCpus("2-3")],
    })
    .root();
  let { def, headDigest } = await marshalHead(refined);
  assert.deepEqual(def.metadata.get(headDigest)?.linux_resources, {
    memory: 512 << 20,
    cpuShares: 512,
    cpusetCpus: "2-3",
    cpuQuota: 25000,
  });
  assert.ok(capsOf(def, headDigest).includes("exec.meta.linux.resources"));
  ({ def, headDigest } = await marshalHead(src("b").run({ shlex: "x", constraints: [memorySwapLimit(-1)] }).root()));
  assert.deepEqual(def.metadata.get(headDigest)?.linux_resources, { memorySwap: -1 });
});
