/**
 * `tsfrontend debug info|histories|logs|get|ctl|monitor` and `prune-histories`
 * against a real buildkitd of the test's own (pruning records of the shared
 * daemon would take them from other tests): the same bytes as buildctl's
 * commands (records printed in a non-UTC time zone, so the offsets are
 * checked; a build's replayed logs; a blob of the content store), pinning seen
 * by buildctl, the build events monitor prints, prune-histories deleting every record but the pinned one, and
 * buildctl's one-line errors for bad flags, digests and refs.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { buildctlPath } from "../lib/buildctl.js";
import { cliPath, ok, requireEnv, run, runCli, tempDir } from "./lib/env.js";
import { startPrivateDaemon, type PrivateDaemon } from "./lib/private-daemon.js";

let daemon: PrivateDaemon;
/** The image the last build stored (`-o type=image`): its manifest digest, from the metadata file. */
let manifestDigest = "";
let work: ReturnType<typeof tempDir>;
const env = { ...process.env, TZ: "Asia/Kolkata" };

const ts = (args: string[]) => runCli(["--addr", daemon.address, ...args], { env });
const buildctl = (args: string[]) => run(buildctlPath(), ["--addr", daemon.address, ...args], { env });

/** The refs of `debug histories` output (its second column), and which are pinned. */
function records(table: string): { ref: string; pinned: boolean }[] {
  return table
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t").filter((c) => c !== ""))
    .map((cells) => ({ ref: cells[1]!, pinned: cells.at(-1) === "*" }));
}

before(async () => {
  requireEnv();
  daemon = await startPrivateDaemon();
  work = tempDir("history");
  writeFileSync(join(work.dir, "Dockerfile"), "FROM scratch\nCOPY a /a\n");
  for (const content of ["one", "two", "three"]) {
    writeFileSync(join(work.dir, "a"), content);
    const metadata = join(work.dir, "metadata.json");
    ok(
      await ts(["build", "--frontend", "dockerfile.v0", "--local", `context=${work.dir}`, "--local", `dockerfile=${work.dir}`, "--progress", "quiet", "-o", "type=image,name=example.com/history:1", "--metadata-file", metadata]),
      "a build to record",
    );
    manifestDigest = (JSON.parse(readFileSync(metadata, "utf8")) as Record<string, string>)["containerimage.digest"]!;
  }
});

after(async () => {
  await daemon?.stop();
  work?.remove();
});

test("debug info and debug histories print what buildctl prints", async () => {
  assert.equal(ok(await ts(["debug", "info"])), ok(await buildctl(["debug", "info"])));
  const ours = ok(await ts(["debug", "histories"]));
  assert.equal(ours, ok(await buildctl(["debug", "histories"])));
  assert.equal(records(ours).length, 3, ours);
  assert.match(ours, /\+05:30\t/, "times in the local zone, as Go's Local().Format(RFC3339)");
});

test("debug logs replays a build as buildctl's does; debug get writes a blob as buildctl's does; their errors are buildctl's", async () => {
  const [first] = records(ok(await buildctl(["debug", "histories"])));
  for (const progress of ["plain", "rawjson"]) {
    assert.equal(ok(await ts(["debug", "logs", first!.ref, "--progress", progress])), ok(await buildctl(["debug", "logs", first!.ref, "--progress", progress])), `--progress ${progress}`);
  }
  const trace = [await ts(["debug", "logs", first!.ref, "--trace"]), await buildctl(["debug", "logs", first!.ref, "--trace"])];
  assert.equal(trace[0]!.status, trace[1]!.status, `--trace: ${trace[0]!.stderr} / ${trace[1]!.stderr}`);
  assert.equal(trace[0]!.stdout, trace[1]!.stdout);

  assert.match(manifestDigest, /^sha256:[a-f0-9]{64}$/);
  const blob = ok(await ts(["debug", "get", manifestDigest]));
  assert.equal(blob, ok(await buildctl(["debug", "get", manifestDigest])));
  assert.equal(JSON.parse(blob).schemaVersion, 2);
  for (const args of [["debug", "get", "sha256:abc"], ["debug", "get", `sha256:${"0".repeat(64)}`], ["debug", "logs"]]) {
    const [ours, theirs] = [await ts(args), await buildctl(args)];
    assert.equal(ours.status, 1, `${args.join(" ")}: ${ours.stderr}`);
    assert.equal(theirs.status, 1);
    // buildctl names the gRPC code of a daemon error first (buildkit's grpcerrors: "NotFound: ..."); ours prints the daemon's message.
    assert.equal(ours.stderr.trim().replace(/^tsfrontend: /, ""), theirs.stderr.trim().replace(/^error: (NotFound: )?/, ""), args.join(" "));
  }
});

test("debug ctl pins a record (buildctl sees it); its flags and an unknown ref fail as buildctl's do", async () => {
  const [first] = records(ok(await buildctl(["debug", "histories"])));
  ok(await ts(["debug", "ctl", first!.ref, "--pin"]));
  assert.deepEqual(records(ok(await buildctl(["debug", "histories"]))).filter((r) => r.pinned).map((r) => r.ref), [first!.ref]);

  for (const [args, message] of [
    [["debug", "ctl"], "build ref must be specified"],
    [["debug", "ctl", first!.ref], "must specify one of --pin, --unpin, --delete"],
    [["debug", "ctl", first!.ref, "--pin", "--unpin"], "cannot specify both --pin and --unpin"],
    [["debug", "ctl", first!.ref, "--delete", "--pin"], "cannot specify --delete with --pin or --unpin"],
  ] as const) {
    const r = await ts([...args]);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(message), args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  const unknown = await ts(["debug", "ctl", "nosuchref", "--delete"]);
  const theirs = await buildctl(["debug", "ctl", "nosuchref", "--delete"]);
  assert.equal(unknown.status, 1);
  assert.equal(theirs.status, 1);
  assert.equal(unknown.stderr.trim().replace(/^tsfrontend: /, ""), theirs.stderr.trim().replace(/^error: /, ""));
});

test("debug monitor prints the daemon's build events as buildctl's does, the finished ones first with --completed", async () => {
  /** A monitor left running; its output so far. */
  const monitor = (cmd: string, args: readonly string[]) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    return { child, out: () => out };
  };
  // What a monitor says of each build in the end: the STARTED events it saw, and each record's last
  // COMPLETE block (a record is sent as it is when the monitor subscribes, and again when it changes,
  // e.g. when its trace is added: two monitors started apart see different steps of that). Compared
  // single-spaced: protobuf-go may double a space inside a descriptor on purpose.
  const norm = (out: string) => {
    const blocks = out
      .split(/\n(?=event: )/)
      .map((b) => b.split("\n").filter((l) => l.startsWith("event:") || l.startsWith("  ")).map((l) => l.replace(/(\S) {2,}/g, "$1 ")).join("\n"))
      .filter((b) => b.startsWith("event:"));
    const last = new Map<string, string>();
    for (const b of blocks) last.set(b.split("\n", 1)[0]!, b);
    return [...last.keys()].sort().map((k) => last.get(k)!).join("\n");
  };
  const ours = monitor(process.execPath, [cliPath, "--addr", daemon.address, "debug", "monitor", "--completed"]);
  const theirs = monitor(buildctlPath(), ["--addr", daemon.address, "debug", "monitor", "--completed"]);
  try {
    const waitFor = async (what: string, done: () => boolean) => {
      for (const t0 = Date.now(); !done(); await sleep(50)) assert.ok(Date.now() - t0 < 60_000, `${what}: ${ours.out()} / ${theirs.out()}`);
    };
    // The records there are first: one COMPLETE event each.
    const known = records(ok(await buildctl(["debug", "histories"]))).map((r) => r.ref);
    const completed = (out: string, ref: string) => out.includes(`event: COMPLETE ref:${ref}\n`);
    await waitFor("the finished builds", () => known.every((ref) => completed(ours.out(), ref) && completed(theirs.out(), ref)));
    // Then a build as it happens: STARTED, then COMPLETE with its steps and result.
    writeFileSync(join(work.dir, "a"), "monitored");
    ok(await ts(["build", "--frontend", "dockerfile.v0", "--local", `context=${work.dir}`, "--local", `dockerfile=${work.dir}`, "--progress", "quiet", "-o", "type=image,name=example.com/history:2"]), "a build to watch");
    const refOf = (out: string) => /event: STARTED ref:(\S+)\n/.exec(out)?.[1];
    await waitFor("the new build's events", () => {
      const ref = refOf(ours.out());
      return ref !== undefined && completed(ours.out(), ref) && completed(theirs.out(), ref);
    });
    // A record can be updated after it completed (its trace): both monitors get that too, each in its time.
    for (const t0 = Date.now(); norm(ours.out()) !== norm(theirs.out()) && Date.now() - t0 < 5000; ) await sleep(100);
  } finally {
    ours.child.kill("SIGINT");
    theirs.child.kill("SIGINT");
  }
  const [a, b] = [norm(ours.out()), norm(theirs.out())];
  assert.equal(a, b);
  // The new build: STARTED, then COMPLETE with its steps and its image's descriptor, in that order.
  const ref = /event: STARTED ref:(\S+)\n/.exec(ours.out())![1]!;
  const tail = ours.out().slice(ours.out().indexOf(`event: STARTED ref:${ref}\n`));
  assert.match(tail, new RegExp(`^event: STARTED ref:${ref}\\n(.*\\n)*?event: COMPLETE ref:${ref}\\n {2}cache: \\d+/\\d+\\n`));
  assert.match(a, /\n {2}descriptor: media_type:"application\/vnd\.oci\.image\.manifest\.v1\+json" digest:"sha256:[a-f0-9]{64}" size:\d+/);
});

test("prune-histories deletes every record but the pinned one, one row each", async () => {
  const before = records(ok(await buildctl(["debug", "histories"])));
  const pinned = before.filter((r) => r.pinned).map((r) => r.ref);
  assert.equal(pinned.length, 1, "the record the ctl test pinned");
  const out = ok(await ts(["prune-histories"]));
  assert.match(out.split("\n")[0]!, /^TYPE\t+REF\t+CREATED\t+COMPLETED\t+GENERATION$/);
  assert.deepEqual(records(out).map((r) => r.ref).sort(), before.filter((r) => !r.pinned).map((r) => r.ref).sort());
  assert.deepEqual(records(ok(await buildctl(["debug", "histories"]))).map((r) => r.ref), pinned);
  // Unpinned, it goes with the next prune.
  ok(await ts(["debug", "ctl", pinned[0]!, "--unpin"]));
  assert.deepEqual(records(ok(await ts(["prune-histories"]))).map((r) => r.ref), pinned);
  assert.deepEqual(records(ok(await buildctl(["debug", "histories"]))), []);
});
