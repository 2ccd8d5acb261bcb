import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { LlbError } from "../errors.js";
import { diff } from "./diff.js";
import { sha256Digest } from "./digest.js";
import {
  chownUIDGID,
  chownUser,
  copy,
  FileAction,
  mkdir,
  mkfile,
  normalizePath,
  rm,
  symlink,
  type CopyInput,
} from "./file-op.js";
import { merge } from "./merge.js";
import { scratch, type State } from "./state.js";

// ---------------------------------------------------------------------------
// A tiny protobuf reader: enough to decode the file op back.

type Field = { f: number; v: bigint | Uint8Array };

function readMsg(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let p = 0;
  const varint = (): bigint => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      const x = b[p++]!;
      r |= BigInt(x & 0x7f) << s;
      if (x < 0x80) return r;
      s += 7n;
    }
  };
  while (p < b.length) {
    const tag = Number(varint());
    const f = tag >> 3;
    const wt = tag & 7;
    if (wt === 0) out.push({ f, v: varint() });
    else if (wt === 2) {
      const n = Number(varint());
      out.push({ f, v: b.subarray(p, p + n) });
      p += n;
    } else throw new Error(`wire type ${wt}`);
  }
  return out;
}

const all = (m: Field[], f: number) => m.filter((x) => x.f === f).map((x) => x.v);
const one = (m: Field[], f: number) => all(m, f)[0];
const int = (m: Field[], f: number): number => {
  const v = one(m, f);
  return v === undefined ? 0 : Number(BigInt.asIntN(64, v as bigint));
};
const int64 = (m: Field[], f: number): bigint => {
  const v = one(m, f);
  return v === undefined ? 0n : BigInt.asIntN(64, v as bigint);
};
const str = (m: Field[], f: number): string => {
  const v = one(m, f);
  return v === undefined ? "" : new TextDecoder().decode(v as Uint8Array);
};
const strs = (m: Field[], f: number): string[] => all(m, f).map((v) => new TextDecoder().decode(v as Uint8Array));
const sub = (m: Field[], f: number): Field[] | undefined => {
  const v = one(m, f);
  return v === undefined ? undefined : readMsg(v as Uint8Array);
};
const bool = (m: Field[], f: number): boolean => int(m, f) !== 0;

type User = { name: string; input: number } | { id: number } | undefined;
function user(m: Field[] | undefined): User {
  if (!m) return undefined;
  const byName = sub(m, 1);
  if (byName) return { name: str(byName, 1), input: int(byName, 2) };
  return { id: int(m, 2) };
}
function owner(m: Field[] | undefined) {
  if (!m) return undefined;
  return { user: user(sub(m, 1)), group: user(sub(m, 2)) };
}

interface DecodedOp {
  inputs: { digest: string; index: number }[];
  hasPlatform: boolean;
  filter: string[];
  actions: { input: number; secondaryInput: number; output: number; kind: string; a: Field[] }[];
}

function decodeOp(bytes: Uint8Array): DecodedOp {
  const op = readMsg(bytes);
  const file = sub(op, 4);
  assert.ok(file, "not a file op");
  const kinds: Record<number, string> = { 4: "copy", 5: "mkfile", 6: "mkdir", 7: "rm", 8: "symlink" };
  return {
    inputs: all(op, 1).map((v) => {
      const m = readMsg(v as Uint8Array);
      return { digest: str(m, 1), index: int(m, 2) };
    }),
    hasPlatform: one(op, 10) !== undefined,
    filter: strs(sub(op, 11) ?? [], 1),
    actions: all(file, 2).map((v) => {
      const m = readMsg(v as Uint8Array);
      const k = m.find((x) => x.f >= 4)!;
      return {
        input: int(m, 1),
        secondaryInput: int(m, 2),
        output: int(m, 3),
        kind: kinds[k.f]!,
        a: readMsg(k.v as Uint8Array),
      };
    }),
  };
}

/** The last op before the terminal one: the file op under test. */
async function fileOp(st: State) {
  const def = await st.marshal();
  return decodeOp(def.def[def.def.length - 2]!);
}

async function digests(st: State): Promise<string[]> {
  const def = await st.marshal();
  return def.def.map((b) => sha256Digest(b));
}

// ---------------------------------------------------------------------------
// States mirrored one-to-one in Go (buildkit v0.32.2): test/golden/go/table_fileop.go. The op digests
// Go gives for each are test/golden/tables/fileop.json, which every golden run recomputes
// (`golden table fileop`) and fails on a difference.
const goDigests = new Map(
  JSON.parse(readFileSync(fileURLToPath(new URL("../../../test/golden/tables/fileop.json", import.meta.url)), "utf8")) as [string, string[]][],
);

const fixedTime = 1700000000123456789n; // time.Unix(1700000000, 123456789)
const base = () => scratch().file(mkdir("/base", 0o755));
const src = () => scratch().file(mkfile("/src/x", 0o644, "x")).dir("/src");

const goCases: { name: string; st: () => State }[] = [
  {
    name: "base",
    st: base,
  },
  {
    name: "mkdir-opts",
    st: () => base().file(mkdir("/a/b/c", 0o4755, { parents: true, chown: "app:staff", createdTime: fixedTime })),
  },
  {
    name: "chown-variants",
    st: () =>
      base().file(
        mkdir("/u1", 0o755, { chown: "1000:1000" })
          .mkdir("/u2", 0o755, { chown: "root" })
          .mkdir("/u3", 0o755, { chown: "root:wheel" })
          .mkdir("/u4", 0o755, { chown: chownUIDGID(33, 33) })
          .mkdir("/u5", 0o755, { chown: "app" })
          .mkdir("/u6", 0o755, { chown: "" })
          .mkdir("/u7", 0o755, { chown: ":staff" })
          .mkdir("/u8", 0o755, { chown: "-1:+7" })
          .mkdir("/u9", 0o755, { chown: "2147483648:a:b" })
          .mkdir("/u10", 0o755, { chown: {} })
          .mkdir("/u11", 0o755, { chown: { group: "g" } })
          .mkdir("/u12", 0o755, { chown: chownUIDGID(-2, 2 ** 32 + 5) })
          // Go: WithUser("x"), WithUIDGID(1, 2): the last chown option wins.
          .mkdir("/u13", 0o755, { chown: { user: 1, group: 2 } }),
      ),
  },
  {
    name: "mkfile-scratch",
    st: () =>
      scratch().file(
        mkfile("/bin.dat", 0o600, new Uint8Array([0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28]), { chown: "root:root" })
          .mkfile("/empty", 0o644, new Uint8Array(), { chown: "admin" })
          .mkfile("/héllo", 0o1777, "héllo wörld", { createdTime: new Date(0) }),
      ),
  },
  {
    name: "rm",
    st: () =>
      base().file(
        rm("/etc/motd")
          .rm("/tmp/maybe/", { allowNotFound: true })
          .rm("/var/log/*.log", { allowWildcard: true, allowNotFound: true })
          .rm("rel/./x/.."),
      ),
  },
  {
    name: "symlink",
    st: () =>
      base()
        .dir("/opt")
        .file(
          symlink("/usr/bin/python3", "/usr/bin/python")
            .symlink("../lib", "lib/", { chown: chownUIDGID(1, 1), createdTime: fixedTime })
            .symlink("a", "b", { chown: "app" }),
        ),
  },
  {
    name: "copy-all-options",
    st: () =>
      base().file(
        copy(src(), "/src", "/app/", {
          mode: 0o640,
          followSymlinks: true,
          copyDirContentsOnly: true,
          includePatterns: ["*.go", "go.*"],
          excludePatterns: ["*_test.go"],
          requiredPaths: ["main.go"],
          attemptUnpack: true,
          createDestPath: true,
          allowWildcard: true,
          allowEmptyWildcard: true,
          chown: { user: "app", group: 1000 },
          createdTime: fixedTime,
          alwaysReplaceExistingDestPaths: true,
        }),
      ),
  },
  {
    name: "copy-option-funcs",
    st: () =>
      base().file(
        copy(src(), "bin", "/usr/local/bin", {
          mode: "u+x,g-w",
          excludePatterns: ["*.md", "*.txt"],
          chown: "1000:1000",
          createdTime: fixedTime,
        })
          .copy(src(), "x", "y", { mode: 0x80000000 | 0o755 }) // os.ModeDir | 0755
          .copy(src(), "x", "z", { mode: 0 }) // ChmodOpt{}
          .copy(src(), "", "", { mode: "0700" }), // ChmodOpt{Mode: 0700, ModeStr: "0700"}
      ),
  },
  {
    name: "chained",
    st: () =>
      base().file(
        mkdir("/app", 0o755)
          .mkfile("/app/config.json", 0o644, `{"debug":false}`)
          .copy(src(), "/src/x", "/app/x", { chown: "app" })
          .rm("/app/unused")
          .symlink("/app/config.json", "/etc/app.json"),
      ),
  },
  {
    name: "relative-paths",
    st: () => {
      const s = src().dir("/etc");
      return base()
        .dir("/work")
        .dir("sub")
        .file(
          mkdir("./out", 0o755)
            .mkfile("out/../file.txt", 0o644, "x")
            .copy(s, "os-release", "out/")
            .copy(s, "apk/./", "copy/.")
            .copy(s, "../x/", "/.")
            .copy(s, ".", ".")
            .copy(s, "", "")
            .copy(s, "a", "/")
            .copy(s, "b", "./")
            .copy(s, "/abs/../p", "x/./")
            .rm("../sub/tmp/"),
        );
    },
  },
  {
    name: "copy-from-action",
    st: () => {
      const a = mkdir("./foo", 0o755);
      const b = mkdir("./bar", 0o755);
      const c = b.copy(a.withState(scratch().dir("/ced")), "./foo", "./baz");
      return base().dir("/abc").file(c);
    },
  },
  {
    name: "copy-from-action-reuse",
    st: () => {
      const a = mkdir("/foo", 0o755, { chown: "u" }).mkfile("/foo/f", 0o644, "f", { chown: "v:w" });
      const input = a.withState(src());
      const inner = copy(input, "/foo", "/n").withState(base().dir("/d"));
      return src().file(
        copy(input, "foo", "/x")
          .copy(input, "/foo/f", "/y")
          .copy(inner, "n", "/z")
          .copy(a.withState(scratch()), "/foo", "/w"),
      );
    },
  },
  {
    name: "multi-source",
    st: () => {
      const b = base();
      const s2 = scratch().file(mkfile("/s2", 0o644, "2"));
      return b.file(
        copy(src(), "/a", "/x/a")
          .copy(s2, "/b", "/x/b")
          .copy(b, "/bin/sh", "/x/sh")
          .copy(src(), "/c", "/x/c")
          .copy(scratch(), "/d", "/x/d"),
      );
    },
  },
  {
    name: "constraints",
    st: () =>
      base()
        .platform({ os: "linux", architecture: "arm64" })
        .file(mkdir("/x", 0o700), {
          customName: "mkdir /x",
          ignoreCache: true,
          progressGroup: { id: "files", name: "File steps" },
          workerConstraints: ["w=1"],
        })
        .file(mkfile("/x/y", 0o600, "y"), { platform: { os: "windows", architecture: "amd64" } }),
  },
  {
    name: "times",
    st: () =>
      scratch().file(
        mkdir("/t1", 0o755, { createdTime: -1n }) // time.Unix(-1, 999999999)
          .mkdir("/t2", 0o755, { createdTime: new Date(1700000000123) }) // time.UnixMilli
          .mkdir("/t3", 0o755, { createdTime: -5_000_000_000 }) // time.Unix(-5, 0)
          .mkdir("/t4", 0o755, { createdTime: (1n << 33n) * 1_000_000_000n + 7n }), // time.Unix(1<<33, 7)
      ),
  },
  {
    name: "scratch-copy-scratch",
    st: () => scratch().file(copy(scratch().dir("/q"), "r", "s", { chown: "n" })),
  },
  {
    name: "diff-merge",
    st: () => merge([base(), src()]).file(copy(diff(base(), src()), "/", "/d")),
  },
];

test("every case has Go's digests and every Go row a case", () => {
  assert.deepEqual(goCases.map((c) => c.name).sort(), [...goDigests.keys()].sort());
});

for (const c of goCases) {
  test(`digests match Go: ${c.name}`, async () => {
    assert.deepEqual(await digests(c.st()), goDigests.get(c.name));
  });
}

test("metadata: only file.base, constraints as Go wrote them", async () => {
  const def = await goCases.find((c) => c.name === "constraints")!.st().marshal();
  const md = (i: number) => def.metadata.get(goDigests.get("constraints")![i]!);
  assert.deepEqual(md(0), { caps: { "file.base": true } });
  assert.deepEqual(md(1), {
    ignore_cache: true,
    description: { "llb.customname": "mkdir /x" },
    caps: { "file.base": true },
    progress_group: { id: "files", name: "File steps", weak: false },
  });
  assert.deepEqual(md(2), { caps: { "file.base": true } });
  // Per-action caps (symlink, mode string, patterns...) are never added in v0.32.2.
  const def2 = await base()
    .file(symlink("a", "b").copy(src(), "x", "y", { mode: "u+x", includePatterns: ["a"], requiredPaths: ["b"], alwaysReplaceExistingDestPaths: true }))
    .marshal();
  for (const m of def2.metadata.values()) {
    if (m.caps && !m.caps.platform) assert.deepEqual(m.caps, { "file.base": true });
  }
});

// ---------------------------------------------------------------------------
// Decoded structure.

test("mkdir: path, masked mode, parents, owner by name on input 0, nanosecond timestamp", async () => {
  const op = await fileOp(goCases[1]!.st());
  assert.equal(op.inputs.length, 1);
  assert.equal(op.hasPlatform, false);
  assert.deepEqual(op.actions.map((a) => [a.kind, a.input, a.secondaryInput, a.output]), [["mkdir", 0, -1, 0]]);
  const a = op.actions[0]!.a;
  assert.equal(str(a, 1), "/a/b/c");
  assert.equal(int(a, 2), 0o755);
  assert.equal(bool(a, 3), true);
  assert.deepEqual(owner(sub(a, 4)), { user: { name: "app", input: 0 }, group: { name: "staff", input: 0 } });
  assert.equal(int64(a, 5), 1700000000123456789n);
});

test("chown forms: parsed ids, names, root, empty name as id 0, wraps to uint32", async () => {
  const op = await fileOp(goCases[2]!.st());
  const owners = op.actions.map((x) => owner(sub(x.a, 4)));
  assert.deepEqual(owners, [
    { user: { id: 1000 }, group: { id: 1000 } },
    { user: { id: 0 }, group: undefined },
    { user: { id: 0 }, group: { name: "wheel", input: 0 } },
    { user: { id: 33 }, group: { id: 33 } },
    { user: { name: "app", input: 0 }, group: undefined },
    { user: { id: 0 }, group: undefined },
    { user: { id: 0 }, group: { name: "staff", input: 0 } },
    { user: { id: 4294967295 }, group: { id: 7 } },
    { user: { name: "2147483648", input: 0 }, group: { name: "a:b", input: 0 } },
    { user: undefined, group: undefined },
    { user: undefined, group: { name: "g", input: 0 } },
    { user: { id: 4294967294 }, group: { id: 5 } },
    { user: { id: 1 }, group: { id: 2 } },
  ]);
  assert.deepEqual(chownUser("root:wheel"), { user: 0, group: "wheel" });
  assert.deepEqual(chownUser("007"), { user: 7 });
});

test("scratch base: no inputs, first input -1, names refer to input -1", async () => {
  const op = await fileOp(goCases[3]!.st());
  assert.deepEqual(op.inputs, []);
  assert.deepEqual(op.actions.map((a) => [a.input, a.secondaryInput, a.output]), [[-1, -1, -1], [0, -1, -1], [1, -1, 0]]);
  assert.deepEqual(owner(sub(op.actions[1]!.a, 4)), { user: { name: "admin", input: -1 }, group: undefined });
  assert.equal(int(op.actions[2]!.a, 2), 0o777);
  assert.equal(int64(op.actions[2]!.a, 5), 0n); // time zero is omitted, not -1
  assert.equal(int64(op.actions[1]!.a, 5), -1n);
  assert.equal(one(op.actions[1]!.a, 3), undefined); // empty data omitted
});

test("chained actions refer to len(inputs)+index; only the last has output 0", async () => {
  const op = await fileOp(goCases.find((c) => c.name === "chained")!.st());
  assert.equal(op.inputs.length, 2);
  assert.deepEqual(
    op.actions.map((a) => [a.kind, a.input, a.secondaryInput, a.output]),
    [
      ["mkdir", 0, -1, -1],
      ["mkfile", 2, -1, -1],
      ["copy", 3, 1, -1],
      ["rm", 4, -1, -1],
      ["symlink", 5, -1, 0],
    ],
  );
  const cp = op.actions[2]!.a;
  assert.equal(int(cp, 4), -1); // mode unset
  assert.equal(int64(cp, 11), -1n); // timestamp unset
  // Names resolve in the base state (input 0), not in the previous action's result.
  assert.deepEqual(owner(sub(cp, 3)), { user: { name: "app", input: 0 }, group: undefined });
});

test("relative paths against the dirs; dest keeps '/' and '/.'", async () => {
  const op = await fileOp(goCases.find((c) => c.name === "relative-paths")!.st());
  const paths = op.actions.map((a) => (a.kind === "copy" ? [str(a.a, 1), str(a.a, 2)] : [str(a.a, 1)]));
  assert.deepEqual(paths, [
    ["/work/sub/out"],
    ["/work/sub/file.txt"],
    ["/etc/os-release", "/work/sub/out/"],
    ["/etc/apk", "/work/sub/copy/."],
    ["/x", "/."],
    ["/etc", "/work/sub"],
    ["/etc", "/work/sub"],
    ["/etc/a", "/"],
    ["/etc/b", "/work/sub/"],
    ["/p", "/work/sub/x/"], // "x/./" ends in "/": that rule wins,
    ["/work/sub/tmp"],
  ]);
  assert.equal(normalizePath("/a", "b/.", true), "/a/b/.");
  assert.equal(normalizePath("/", ".", true), "/");
  assert.equal(normalizePath("", "", false), "/");
});

test("symlink paths are written as given", async () => {
  const op = await fileOp(goCases.find((c) => c.name === "symlink")!.st());
  assert.deepEqual(op.actions.map((a) => [str(a.a, 1), str(a.a, 2)]), [
    ["/usr/bin/python3", "/usr/bin/python"],
    ["../lib", "lib/"],
    ["a", "b"],
  ]);
  assert.equal(int64(op.actions[1]!.a, 4), fixedTime);
});

test("copy options and modes", async () => {
  const all1 = (await fileOp(goCases.find((c) => c.name === "copy-all-options")!.st())).actions[0]!.a;
  assert.equal(str(all1, 1), "/src");
  assert.equal(str(all1, 2), "/app/");
  assert.deepEqual(owner(sub(all1, 3)), { user: { name: "app", input: 0 }, group: { id: 1000 } });
  assert.equal(int(all1, 4), 0o640);
  for (const f of [5, 6, 7, 8, 9, 10, 14]) assert.equal(bool(all1, f), true, `field ${f}`);
  assert.equal(int64(all1, 11), fixedTime);
  assert.deepEqual(strs(all1, 12), ["*.go", "go.*"]);
  assert.deepEqual(strs(all1, 13), ["*_test.go"]);
  assert.deepEqual(strs(all1, 16), ["main.go"]);

  const op = await fileOp(goCases.find((c) => c.name === "copy-option-funcs")!.st());
  const [a, b, c, d] = op.actions.map((x) => x.a);
  assert.equal(str(a!, 15), "u+x,g-w");
  assert.equal(int(a!, 4), 0);
  assert.equal(int(b!, 4), (0x80000000 | 0o755) | 0); // int32(os.ModeDir|0755) < 0
  assert.ok(int(b!, 4) < 0);
  assert.equal(int(c!, 4), 0);
  assert.equal(str(d!, 15), "0700");
  assert.equal(str(d!, 1), "/src");
});

test("copy from a bound action chain; reuse is de-duplicated, scratch inputs are -1", async () => {
  const op = await fileOp(goCases.find((c) => c.name === "copy-from-action")!.st());
  // Go's documented example: b (/abc/bar), a bound to /ced (/ced/foo), copy /ced/foo -> /abc/baz.
  assert.equal(op.inputs.length, 1);
  assert.deepEqual(
    op.actions.map((a) => [a.kind, str(a.a, 1), a.kind === "copy" ? str(a.a, 2) : "", a.input, a.secondaryInput, a.output]),
    [
      ["mkdir", "/abc/bar", "", 0, -1, -1],
      ["mkdir", "/ced/foo", "", -1, -1, -1],
      ["copy", "/ced/foo", "/abc/baz", 1, 2, 0],
    ],
  );

  const op2 = await fileOp(goCases.find((c) => c.name === "copy-from-action-reuse")!.st());
  assert.equal(op2.inputs.length, 2);
  assert.deepEqual(
    op2.actions.map((a) => [a.kind, a.input, a.secondaryInput, a.output]),
    [
      ["mkdir", 0, -1, -1], // `input` chain, bound to src (input 0), added by the first copy
      ["mkfile", 2, -1, -1],
      ["copy", 0, 3, -1],
      ["copy", 4, 3, -1], // same withState value: not added again
      ["copy", 1, 3, -1], // `inner`, bound to base (input 1), reading the same `input` chain
      ["copy", 5, 6, -1],
      ["mkdir", -1, -1, -1], // a.withState(scratch()): a second, separate chain
      ["mkfile", 8, -1, -1],
      ["copy", 7, 9, 0],
    ],
  );
  // Names resolve in the state each chain is bound to: -1 for the scratch-bound copy of the chain.
  assert.deepEqual(owner(sub(op2.actions[6]!.a, 4)), { user: { name: "u", input: -1 }, group: undefined });
  assert.deepEqual(owner(sub(op2.actions[0]!.a, 4)), { user: { name: "u", input: 0 }, group: undefined });
});

test("input de-duplication by digest; scratch copy source is -1", async () => {
  const op = await fileOp(goCases.find((c) => c.name === "multi-source")!.st());
  assert.equal(op.inputs.length, 3); // base, src, s2 (base and the second src() are de-duplicated)
  assert.deepEqual(op.actions.map((a) => [a.input, a.secondaryInput]), [[0, 1], [3, 2], [4, 0], [5, 1], [6, -1]]);
});

test("platform and worker constraints", async () => {
  const st = goCases.find((c) => c.name === "constraints")!.st();
  const op = await fileOp(st);
  assert.equal(op.hasPlatform, false);
  assert.deepEqual(op.filter, []);
  const def = await st.marshal();
  const first = decodeOp(def.def[1]!);
  assert.equal(first.hasPlatform, false);
  assert.deepEqual(first.filter, ["w=1"]);
  assert.equal(st.getPlatform()?.os, "linux"); // the state's values are kept
});

test("timestamps: Date, bigint and number agree", async () => {
  const t = (createdTime: Date | bigint | number) => scratch().file(mkdir("/t", 0o755, { createdTime })).marshalSync();
  const a = t(new Date(1700000000123)).def[0]!;
  assert.deepEqual(t(1700000000123000000n).def[0], a);
  const op = decodeOp(t(1_700_000_000_123_000).def[0]!);
  assert.equal(int64(op.actions[0]!.a, 5), 1_700_000_000_123_000n);
});

test("builder errors surface at validate/marshal, never at build time", async () => {
  const bad = scratch().file(mkdir("/x", 0o755).copy({} as unknown as CopyInput, "/a", "/b"));
  assert.throws(() => bad.validate(), (e: unknown) => e instanceof LlbError && /invalid input type Object for copy/.test(e.message));
  await assert.rejects(bad.marshal(), LlbError);
  const badTime = scratch().file(mkdir("/x", 0o755, { createdTime: new Date(NaN) }));
  assert.throws(() => badTime.marshalSync(), LlbError);
  const badTime2 = scratch().file(mkdir("/x", 0o755, { createdTime: 1.5 }));
  assert.throws(() => badTime2.validate(), LlbError);
  const badInner = scratch().file(copy(mkdir("/x", 0o755, { chown: { user: 0.5 } }).withState(scratch()), "/x", "/y"));
  assert.throws(() => badInner.validate(), LlbError);
  const none = scratch().file(undefined as unknown as FileAction);
  assert.throws(() => none.marshalSync(), /action is required/);
});

test("actions are immutable values", async () => {
  const a = mkdir("/a", 0o755);
  const b = a.mkdir("/b", 0o755);
  const c = a.rm("/c");
  const opA = decodeOp(scratch().file(a).marshalSync().def[0]!);
  const opB = decodeOp(scratch().file(b).marshalSync().def[0]!);
  const opC = decodeOp(scratch().file(c).marshalSync().def[0]!);
  assert.equal(opA.actions.length, 1);
  assert.deepEqual(opB.actions.map((x) => x.kind), ["mkdir", "mkdir"]);
  assert.deepEqual(opC.actions.map((x) => x.kind), ["mkdir", "rm"]);
  const data = new Uint8Array([1, 2, 3]);
  const f = mkfile("/f", 0o644, data);
  data[0] = 9;
  const opF = decodeOp(scratch().file(f).marshalSync().def[0]!);
  assert.deepEqual([...(one(opF.actions[0]!.a, 3) as Uint8Array)], [1, 2, 3]);
});

test("long chains marshal without recursion", () => {
  let fa = mkdir("/d0", 0o755);
  for (let i = 1; i < 20000; i++) fa = fa.mkdir(`/d${i}`, 0o755);
  const op = decodeOp(scratch().file(fa).marshalSync().def[0]!);
  assert.equal(op.actions.length, 20000);
  assert.equal(op.actions[19999]!.input, 19998);
});
