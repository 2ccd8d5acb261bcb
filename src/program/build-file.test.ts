import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { isArchive, readBuildFile, type LocalFileReader } from "./build-file.js";
import type { GatewayClient, GatewaySolveRequest } from "../gateway/types.js";
import { local, mkfile, scratch } from "../llb/index.js";

/** One ustar header block for a file `name` of `size` bytes, checksum filled in. */
function tarHeader(name: string, size: number): Uint8Array {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

test("isArchive: compressed magic numbers and tar headers, as dockerui's isArchive", () => {
  assert.equal(isArchive(gzipSync(Buffer.from("x")).subarray(0, 1024)), true);
  assert.equal(isArchive(Buffer.from([0x42, 0x5a, 0x68, 0x39])), true);
  assert.equal(isArchive(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1])), true);
  assert.equal(isArchive(tarHeader("Dockerfile", 10)), true);
  const bad = Buffer.from(tarHeader("Dockerfile", 10));
  bad[0] = 0x41; // checksum no longer matches
  assert.equal(isArchive(bad), false);
  assert.equal(isArchive(Buffer.from("# syntax=x\nexport default () => {}\n")), false);
  assert.equal(isArchive(Buffer.alloc(600)), false);
});


/** A gateway that records its calls; ReadFile answers from `files`. */
function recordingGateway(files: Record<string, string>) {
  const calls: string[] = [];
  const solves: GatewaySolveRequest[] = [];
  const gateway = {
    workerPlatforms: [],
    async solve(req: GatewaySolveRequest) {
      calls.push(`solve${req.evaluate ? " evaluate" : ""}`);
      solves.push(req);
      return { ref: { id: "r1" }, metadata: {} };
    },
    async readFile(_ref: unknown, path: string) {
      calls.push(`readFile ${path}`);
      const f = files[path];
      if (f === undefined) throw new Error(`open ${path}: no such file or directory`);
      return new TextEncoder().encode(f);
    },
  } as unknown as GatewayClient;
  return { gateway, calls, solves };
}

const dockerfileLocal = (filename: string) =>
  local("dockerfile", {
    followPaths: [filename, `${filename}.dockerignore`, ...(filename === "Dockerfile" ? ["dockerfile"] : [])],
    sessionID: "s1",
    sharedKeyHint: "dockerfile",
    customName: `[internal] load build definition from ${filename}`,
    differ: { type: "none", required: false },
  });

test("readBuildFile with the locals read in place: no ReadFile, the same source definition, its step a file op beside", async () => {
  const here: Record<string, string> = { Dockerfile: "FROM scratch\n", "Dockerfile.dockerignore": "*.log\n" };
  const reads: string[] = [];
  const localFiles: LocalFileReader = async (name, p) => {
    reads.push(`${name}:${p}`);
    return here[p] === undefined ? null : new TextEncoder().encode(here[p]);
  };
  const { gateway, calls, solves } = recordingGateway({});
  const bf = await readBuildFile({ opts: {}, gateway, sessionID: "s1", caps: new Set(), localFiles });
  assert.equal(bf.source, "FROM scratch\n");
  assert.equal(new TextDecoder().decode(bf.dockerignore), "*.log\n");
  // The source map keeps the local source dockerfile.v0 reads from ...
  const expected = await dockerfileLocal("Dockerfile").marshal();
  assert.deepEqual(bf.definition?.def, expected.def);
  // ... and the progress step (the warnings' vertex) writes the bytes read here: no transfer.
  const step = await scratch()
    .file(mkfile("/Dockerfile", 0o644, "FROM scratch\n"), { customName: "[internal] load build definition from Dockerfile" })
    .marshal();
  assert.deepEqual(calls, ["solve evaluate"]);
  assert.deepEqual(solves[0]?.definition?.def, step.def);
  assert.equal(bf.vertex, step.head());
  assert.deepEqual(reads.sort(), ["dockerfile:Dockerfile", "dockerfile:Dockerfile.dockerignore", "dockerfile:dockerfile"]);
});

test("readBuildFile: a build file read in place but too big for a request is transferred for its step", async () => {
  const big = "#" + "x".repeat(1 << 20) + "\nFROM scratch\n";
  const localFiles: LocalFileReader = async (_n, p) => (p === "Dockerfile" ? new TextEncoder().encode(big) : null);
  const { gateway, calls, solves } = recordingGateway({});
  const bf = await readBuildFile({ opts: {}, gateway, sessionID: "s1", caps: new Set(), localFiles });
  assert.equal(bf.source, big);
  const expected = await dockerfileLocal("Dockerfile").marshal();
  assert.deepEqual(calls, ["solve evaluate"]);
  assert.deepEqual(solves[0]?.definition?.def, expected.def);
  assert.equal(bf.vertex, expected.head());
});

test("readBuildFile: `dockerfile` stands in for a missing `Dockerfile` in place too; no .dockerignore is none", async () => {
  const localFiles: LocalFileReader = async (_n, p) => (p === "dockerfile" ? new TextEncoder().encode("FROM a\n") : null);
  const { gateway } = recordingGateway({});
  const bf = await readBuildFile({ opts: {}, gateway, sessionID: "s1", caps: new Set(), localFiles });
  assert.equal(bf.path, "Dockerfile");
  assert.equal(bf.source, "FROM a\n");
  assert.equal(bf.dockerignore, undefined);
});

test("readBuildFile falls back to the daemon's read: file missing here, unknown here, or a local of another session", async () => {
  const cases: { localFiles: LocalFileReader; opts: Record<string, string> }[] = [
    { localFiles: async () => null, opts: {} },
    { localFiles: async () => undefined, opts: {} },
    { localFiles: async (_n, p) => (p === "Dockerfile.dockerignore" ? undefined : new TextEncoder().encode("FROM b\n")), opts: {} },
    { localFiles: async () => new TextEncoder().encode("FROM here\n"), opts: { "local-sessionid:dockerfile": "other" } },
  ];
  for (const c of cases) {
    const { gateway, calls } = recordingGateway({ Dockerfile: "FROM daemon\n" });
    const bf = await readBuildFile({ opts: c.opts, gateway, sessionID: "s1", caps: new Set(), localFiles: c.localFiles });
    assert.equal(bf.source, "FROM daemon\n");
    assert.deepEqual(calls.sort(), ["readFile Dockerfile", "readFile Dockerfile.dockerignore", "solve"]);
  }
});
