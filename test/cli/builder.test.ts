/**
 * `tsfrontend builder ...` and `build --builder` without daemons: the
 * builders file they write, their one-line errors, and what a build on a
 * builder refuses before connecting (outputs, a Definition split over nodes)
 * or says when a node is down.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
    assert.equal(r.stdout, "pool (node pool1)\n");
    const doc = JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8"));
    assert.deepEqual(doc.builders.pool.nodes[1], {
      name: "pool1",
      endpoint: "tcp://10.0.0.2:1234",
      platforms: ["linux/arm64", "linux/arm/v7"],
      labels: { zone: "b" },
      tls: { cacert: join(repoRoot, "ca.pem"), servername: "bk" },
    });
    assert.equal(run(["builder", "use", "pool"]).status, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, "cfg", "builders.json"), "utf8")).current, "pool");
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
