/**
 * A buildkitd of a test's own, for tests that kill it: configured as
 * scripts/env/start.sh configures the shared one (OCI worker on overlayfs,
 * the same runc, host network, the test registry over plain http), with its
 * own state, socket and TMPDIR in a run dir under $TSF_RUNDIR_BASE (default /var/tmp) that
 * scripts/env/stop.sh understands (marker, `pids` with the start time), so
 * `stop()` removes what a killed daemon leaves: build containers, mounts and
 * the run dir.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BuildkitConnection, ControlClient } from "../../../src/client/connection.js";
import { repoRoot, run } from "./env.js";

export interface PrivateDaemon {
  /** The run dir (state, socket, log). */
  readonly dir: string;
  readonly pid: number;
  /** `unix://DIR/buildkitd.sock` */
  readonly address: string;
  /** SIGKILL, at once. */
  kill(): void;
  /** Stops it (if still running) and removes its containers, mounts and run dir. */
  stop(): Promise<void>;
  /** The last lines of its log, for failure messages. */
  log(): string;
}

/** Field 22 of /proc/PID/stat (start time), counted after the command name as stop.sh does. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[19] ?? "";
}

export interface PrivateDaemonOptions {
  /** More registries (host:port) the daemon talks to over plain http, besides the test registry. */
  httpRegistries?: string[];
}

/** Starts a private buildkitd and waits until it lists its workers. */
export async function startPrivateDaemon(options: PrivateDaemonOptions = {}): Promise<PrivateDaemon> {
  const registry = process.env["TSF_REGISTRY"];
  assert.ok(registry, "TSF_REGISTRY is not set: source the env.sh of scripts/env/start.sh");
  // The shared daemon's runc (its config names it), else paths.sh's choice.
  const sharedConfig = process.env["TSF_BUILDKITD_CONFIG"];
  const runc = (sharedConfig && /^\s*binary\s*=\s*"([^"]+)"/m.exec(readFileSync(sharedConfig, "utf8"))?.[1]) || process.env["RUNC"] || "/usr/sbin/runc";
  const binary = process.env["BUILDKITD"] || join(process.env["TSF_CACHE"] || join(process.env["HOME"] ?? "/root", ".cache", "tsfrontend"), "bin", "buildkitd");
  const dir = mkdtempSync(join(process.env["TSF_RUNDIR_BASE"] || "/var/tmp", "tsfrontend-bk."));
  writeFileSync(join(dir, ".tsfrontend-rundir"), "");
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "tmp"));
  const socket = join(dir, "buildkitd.sock");
  const config = [
    `root = ${JSON.stringify(join(dir, "state"))}`,
    "[grpc]",
    `  address = [${JSON.stringify(`unix://${socket}`)}]`,
    // Its own trace socket: the default /run/buildkit/otel-grpc.sock is taken by whichever daemon started first.
    "[otel]",
    `  socketPath = ${JSON.stringify(join(dir, "otel-grpc.sock"))}`,
    "[worker.oci]",
    "  enabled = true",
    '  snapshotter = "overlayfs"',
    `  binary = ${JSON.stringify(runc)}`,
    '  networkMode = "host"',
    "[worker.containerd]",
    "  enabled = false",
    "[cdi]",
    "  disabled = true",
    ...[registry, ...(options.httpRegistries ?? [])].flatMap((r) => [`[registry.${JSON.stringify(r)}]`, "  http = true", "  insecure = true"]),
    "",
  ].join("\n");
  writeFileSync(join(dir, "buildkitd.toml"), config);
  writeFileSync(join(dir, "pids"), "");
  const logFile = join(dir, "buildkitd.log");
  const fd = openSync(logFile, "a");
  const child = spawn(binary, ["--config", join(dir, "buildkitd.toml")], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, TMPDIR: join(dir, "tmp") },
  });
  closeSync(fd);
  child.unref();
  const pid = child.pid!;
  appendFileSync(join(dir, "pids"), `buildkitd ${pid} ${startTime(pid)}\n`);
  let exited = false;
  child.once("exit", () => (exited = true));

  const address = `unix://${socket}`;
  const log = () => {
    try {
      return readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n");
    } catch {
      return "";
    }
  };
  const stop = async () => {
    const r = await run("bash", [join(repoRoot, "scripts", "env", "stop.sh"), dir], { timeout: 60_000 });
    assert.equal(r.status, 0, `stopping the private buildkitd: ${r.stderr}`);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const conn = new BuildkitConnection(address);
    try {
      await conn.waitReady(1000);
      if ((await new ControlClient(conn).listWorkers()).length > 0) break;
    } catch {
      // not up yet
    } finally {
      conn.close();
    }
    if (exited || Date.now() > deadline) {
      const tail = log();
      await stop();
      assert.fail(`the private buildkitd did not come up on ${address}:\n${tail}`);
    }
    await sleep(100);
  }
  return {
    dir,
    pid,
    address,
    kill: () => process.kill(pid, "SIGKILL"),
    stop,
    log,
  };
}
