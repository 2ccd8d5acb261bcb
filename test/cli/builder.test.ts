/**
 * `tsfrontend builder ...` and `build --builder` without daemons: the
 * builders file they write, their one-line errors, and what a build on a
 * builder refuses before connecting (outputs, a Definition split over nodes)
 * or says when a node is down.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath } from "../lib/cli.js";
import { repoRoot } from "../lib/gobin.js";

const cli = cliPath;

function withConfig(fn: (run: (args: string[], input?: string, env?: NodeJS.ProcessEnv) => { status: number | null; stdout: string; stderr: string }, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tsf-cli-builder-"));
  try {
    fn((args, input, env = {}) => {
      const r = spawnSync(process.execPath, [cli, ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        input: input ?? "",
        env: { ...process.env, BUILDKIT_HOST: "", TSFRONTEND_BUILDER: "", TSFRONTEND_CONFIG_DIR: join(dir, "cfg"), ...env },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("builder create/append write the builders file; TLS driver options are kept as absolute paths", () => {
  withConfig((run, dir) => {
    assert.equal(run(["builder", "create", "--name", "pool", "--node", "a", "--platform", "linux/amd64", "unix:///a.sock"]).stdout, "pool\n");
    const r = run(["builder", "create", "--append", "--name", "pool", "--platform", "linux/arm64,linux/arm/v7", "--label", "zone=b", "--driver-opt", "cacert=ca.pem,servername=bk", "tcp://10.0.0.2:1234"]);
    assert.equal(r.status, 0, r.stderr);
    // As buildx: the builder's name only; an unnamed node gets the first free `<builder><index>`.
    assert.equal(r.stdout, "pool\n");
    const doc = JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8"));
    assert.deepEqual(doc.builders.pool.nodes[1], {
      name: "pool0",
      endpoint: "tcp://10.0.0.2:1234",
      platforms: ["linux/arm64", "linux/arm/v7"],
      labels: { zone: "b" },
      tls: { cacert: join(repoRoot, "ca.pem"), servername: "bk" },
    });
    assert.equal(run(["builder", "use", "pool"]).status, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8")).current, "pool");
    // An existing node named without --append is changed (buildx's NodeGroup.Update): what is not given again is kept.
    const change = run(["builder", "create", "--name", "pool", "--node", "pool0", "tcp://10.0.0.3:1234"]);
    assert.equal(change.status, 0, change.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8")).builders.pool.nodes[1], {
      name: "pool0",
      endpoint: "tcp://10.0.0.3:1234",
      platforms: ["linux/arm64", "linux/arm/v7"],
      labels: { zone: "b" },
      tls: { cacert: join(repoRoot, "ca.pem"), servername: "bk" },
    });
    assert.match(run(["builder", "create", "--name", "pool", "--node", "zz", "unix:///z.sock"]).stderr, /^tsfrontend: --node: builder "pool" has no node "zz" \(it has a, pool0\): use --append to add it\n$/);
    // No endpoint: $BUILDKIT_HOST's, as buildx's remote driver.
    assert.equal(run(["builder", "create", "--name", "env"], undefined, { BUILDKIT_HOST: "unix:///env.sock" }).status, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8")).builders.env.nodes[0].endpoint, "unix:///env.sock");
  });
});

test("builder errors are one line naming the builder, node or flag", () => {
  withConfig((run) => {
    run(["builder", "create", "--name", "pool", "unix:///a.sock"]);
    const cases: [string[], RegExp][] = [
      [["builder", "create", "--name", "pool", "unix:///b.sock"], /^tsfrontend: builder "pool" exists: use `builder create --append --name pool`/],
      [["builder", "create", "--append", "unix:///b.sock"], /^tsfrontend: --append: appending needs the builder's --name$/],
      [["builder", "create", "--name", "x", "http://h"], /^tsfrontend: endpoint: unsupported address scheme "http:\/\/"/],
      [["builder", "create", "--name", "x", "--platform", "linux/nope!", "unix:///c.sock"], /^tsfrontend: --platform: /],
      [["builder", "create", "--name", "x", "--platform", "", "unix:///c.sock"], /^tsfrontend: --platform: "" names an empty platform/],
      [["builder", "create", "--name", "x", "--driver-opt", "ca=x", "tcp://h:1"], /^tsfrontend: --driver-opt: unknown driver option "ca"/],
      [["builder", "rm", "nope"], /^tsfrontend: no builder "nope"/],
      [["builder", "rm", "pool", "--node", "zz"], /^tsfrontend: builder "pool" has no node "zz" \(it has pool0\)$/],
      [["--builder", "nope", "build", "-f", "examples/busybox-shell.ts"], /^tsfrontend: --builder: no builder "nope" \(from --builder\); known: pool$/],
      [["--builder", "pool", "--addr", "unix:///x", "build", "-f", "examples/busybox-shell.ts"], /^tsfrontend: --builder: give either --builder/],
    ];
    for (const [args, re] of cases) {
      const r = run(args);
      assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(lines[0]!, re, args.join(" "));
    }
  });
});

test("buildx's builder flags: create --leave/--driver/--bootstrap, rm of several or the current one, --all-inactive, use --default, ls --format json", () => {
  withConfig((run, dir) => {
    const doc = () => JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8"));
    run(["builder", "create", "--name", "pool", "--node", "a", "--platform", "linux/amd64", "--driver", "remote", "unix:///a.sock"]);
    run(["builder", "create", "--append", "--name", "pool", "--node", "b", "--label", "zone=z", "unix:///b.sock"]);
    run(["builder", "create", "--name", "solo", "unix:///s.sock", "--use"]);
    // --leave takes a node out; the last node stays (remove the builder instead).
    assert.equal(run(["builder", "create", "--leave", "--name", "pool", "--node", "b"]).status, 0);
    assert.deepEqual(doc().builders.pool.nodes.map((n: { name: string }) => n.name), ["a"]);
    const last = run(["builder", "create", "--leave", "--name", "pool", "--node", "a"]);
    assert.match(last.stderr, /^tsfrontend: --leave: node "a" is the last of builder "pool": remove the builder instead/);
    assert.match(run(["builder", "create", "--leave", "--name", "pool", "--node", "a", "unix:///x.sock"]).stderr, /^tsfrontend: --leave: --leave takes no endpoint/);
    assert.match(run(["builder", "create", "--driver", "docker-container", "unix:///x.sock"]).stderr, /^tsfrontend: --driver: driver "docker-container" is not supported/);
    assert.match(run(["builder", "create", "--name", "x"]).stderr, /^tsfrontend: endpoint: give the node's endpoint/);
    // --bootstrap saves the builder, then fails naming the node that does not answer.
    const boot = run(["builder", "create", "--name", "boot", "--bootstrap", "unix:///nowhere.sock"]);
    assert.equal(boot.status, 1);
    assert.match(boot.stderr, /^tsfrontend: --bootstrap: builder "boot" saved, but node "boot0" \(unix:\/\/\/nowhere.sock\): \/nowhere.sock does not exist\n$/);
    assert.ok(doc().builders.boot);
    // ls --format json: one object per builder and line, keys sorted as buildx's.
    const ls = run(["builder", "ls", "--format", "json"]);
    assert.equal(ls.status, 0, ls.stderr);
    const lines = ls.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.Name), ["boot", "pool", "solo"]);
    assert.deepEqual(Object.keys(lines[2]), ["Current", "Driver", "Dynamic", "LastActivity", "Name", "Nodes"]);
    assert.equal(lines[2].Current, true);
    // Created, so active now (buildx's activity file, RFC 3339 in seconds); inspect shows it as Go prints a time.
    assert.match(lines[2].LastActivity, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs(Date.parse(lines[2].LastActivity) - Date.now()) < 60_000, lines[2].LastActivity);
    assert.equal(readFileSync(join(dir, "cfg", "activity", "solo"), "utf8"), lines[2].LastActivity);
    const inspect = run(["builder", "inspect", "solo"]);
    assert.match(inspect.stdout, /^Name:\s+solo\nDriver:\s+remote\nLast Activity:\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000 UTC\n\nNodes:\n/);
    // A node that does not answer is inactive, as buildx's remote driver says; why, on the Error line.
    assert.match(inspect.stdout, /\nStatus:\s+inactive\nError:\s+\/s.sock does not exist\n/);
    const table = run(["builder", "ls"]);
    assert.match(table.stdout, /\\_ a\s+\\_ unix:\/\/\/a.sock\s+inactive\s+linux\/amd64\*\n/);
    assert.match(table.stderr, /\nFailed to get status for pool \(a\): \/a.sock does not exist\n/);
    // buildx's remote driver reports a node that does not answer as inactive without an error (no Err in json).
    assert.deepEqual(lines[1].Nodes, [{ Endpoint: "unix:///a.sock", Name: "a", Platforms: ["linux/amd64"], Status: "inactive" }]);
    assert.match(run(["builder", "ls", "--format", "yaml"]).stderr, /^tsfrontend: --format: unknown format "yaml": table or json/);
    // --all-inactive asks first, on stdout, and reads the answer from stdin (buildx's prompt): no line or not y, nothing removed.
    for (const input of ["", "n\n", "yes\n"]) {
      const no = run(["builder", "rm", "--all-inactive"], input);
      assert.equal(no.status, 0, no.stderr);
      assert.equal(no.stdout, "WARNING! This will remove all builders that are not in running state. Are you sure you want to continue? [y/N] ");
      assert.equal(no.stderr, "");
      assert.deepEqual(Object.keys(doc().builders), ["boot", "pool", "solo"]);
    }
    assert.match(run(["builder", "rm", "--all-inactive", "pool"]).stderr, /^tsfrontend: --all-inactive: /);
    // rm without a name: the current builder; several names: each, buildx's `NAME removed` on stderr.
    const rm = run(["builder", "rm"]);
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal(rm.stderr, "solo removed\n");
    assert.equal(doc().current, undefined);
    const some = run(["builder", "rm", "boot", "nope"]);
    assert.equal(some.status, 1);
    assert.match(some.stderr, /^boot removed\ntsfrontend: failed to remove one or more builders: failed to remove nope: no builder "nope"/);
    assert.deepEqual(Object.keys(doc().builders), ["pool"]);
    // use --default: no current builder.
    run(["builder", "use", "pool"]);
    assert.equal(doc().current, "pool");
    assert.equal(run(["builder", "use", "--default"]).status, 0);
    assert.equal(doc().current, undefined);
    run(["builder", "create", "--name", "other", "unix:///o.sock"]);
    const all = run(["builder", "rm", "--all-inactive", "--force"]);
    assert.equal(all.status, 0, all.stderr);
    assert.equal(all.stderr, "other removed\npool removed\n");
    assert.deepEqual(doc().builders, {});
    // A piped y answers the prompt as in buildx; removed builders leave no activity behind.
    run(["builder", "create", "--name", "again", "unix:///g.sock"]);
    const yes = run(["builder", "rm", "--all-inactive"], "y\n");
    assert.equal(yes.stderr, "again removed\n");
    assert.deepEqual(doc().builders, {});
    assert.deepEqual(readdirSync(join(dir, "cfg", "activity")), []);
  });
});

test("build on a builder: outputs it cannot produce are refused, a down node is one line", () => {
  withConfig((run, dir) => {
    run(["builder", "create", "--name", "pool", "--node", "amd", "--platform", "linux/amd64", `unix://${join(dir, "amd.sock")}`]);
    run(["builder", "create", "--append", "--name", "pool", "--node", "arm", "--platform", "linux/arm64", `unix://${join(dir, "arm.sock")}`]);
    const base = ["build", "-f", "examples/busybox-shell.ts", "--local", `busybox=${dir}`, "--platform", "linux/amd64,linux/arm64"];
    const refused: [string, RegExp][] = [
      ["type=image,name=r.example/a:1", /^tsfrontend: --output: type=image without push=true/],
      ["type=tar,dest=" + join(dir, "x.tar"), /^tsfrontend: --output: type=tar is not supported with a builder/],
      ["type=oci,dest=-", /^tsfrontend: --output: type=oci from a builder needs dest=FILE/],
    ];
    for (const [output, re] of refused) {
      const r = run([...base, "-o", output], undefined, { TSFRONTEND_BUILDER: "pool" });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr.trimEnd(), re);
    }
    const down = run([...base, "-o", `type=local,dest=${join(dir, "out")}`], undefined, { TSFRONTEND_BUILDER: "pool" });
    assert.equal(down.status, 1, down.stderr);
    assert.deepEqual(down.stderr.trimEnd().split("\n"), [`tsfrontend: node "amd" (unix://${join(dir, "amd.sock")}) for linux/amd64: ${join(dir, "amd.sock")} does not exist`]);
    // A Definition from stdin is built for one platform: it cannot be split over nodes.
    const def = spawnSync(process.execPath, [cli, "llb", "test/cli/fixtures/run-error.ts", "--platform", "linux/amd64"], { cwd: repoRoot });
    assert.equal(def.status, 0, def.stderr.toString());
    const split = spawnSync(process.execPath, [cli, "--builder", "pool", "build", "--platform", "linux/amd64,linux/arm64"], {
      cwd: repoRoot,
      input: def.stdout,
      encoding: "utf8",
      env: { ...process.env, BUILDKIT_HOST: "", TSFRONTEND_CONFIG_DIR: join(dir, "cfg") },
    });
    assert.equal(split.status, 1, split.stderr);
    assert.match(split.stderr, /--platform: an LLB Definition from stdin is built for the platforms it was marshalled for and cannot be split over nodes/);
  });
});
