/**
 * `tsfrontend debug info|histories|ctl` and `prune-histories` against a real
 * buildkitd of the test's own (pruning records of the shared daemon would
 * take them from other tests): the same bytes as buildctl's commands (records
 * printed in a non-UTC time zone, so the offsets are checked), pinning seen by
 * buildctl, prune-histories deleting every record but the pinned one, and
 * buildctl's one-line errors for bad `ctl` flags and an unknown ref.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildctlPath } from "../lib/buildctl.js";
import { ok, requireEnv, run, runCli, tempDir } from "./lib/env.js";
import { startPrivateDaemon, type PrivateDaemon } from "./lib/private-daemon.js";

let daemon: PrivateDaemon;
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
    ok(await ts(["build", "--frontend", "dockerfile.v0", "--local", `context=${work.dir}`, "--local", `dockerfile=${work.dir}`, "--progress", "quiet"]), "a build to record");
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
