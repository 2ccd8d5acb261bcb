/** What `tsfrontend llb` does; its flags are declared in ../commands/llb.ts, which loads this module only when the command runs. */

import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { LlbFlags } from "../commands/llb.js";
import { UsageError } from "../../errors.js";
import { dumpDefinitionJson, formatPlatform, type Definition, type Platform } from "../../llb/index.js";
import { createBuildContext } from "../../program/context.js";
import { classifyBuildFile } from "../../program/classify.js";
import { gatewayBuild } from "../../client/build.js";
import { SourceMap, type ImageMetaResolver } from "../../llb/index.js";
import { connect } from "../connect.js";
import { sessionServices } from "../../client/session-services.js";
import { log } from "../log.js";
import { collect, oneOf, parseKeyValues, parsePlatformFlags, targetPlatformFlags } from "../options.js";
import { writeStdout } from "../stdout.js";

/** One Definition per target platform of a Dockerfile, with `resolver` for base image configs (none: unresolved). */
async function dockerfileDefinitions(
  file: string,
  source: string,
  o: { targets: Platform[]; buildPlatform: Platform; buildArgs: Record<string, string>; target: string | undefined },
  resolver: ImageMetaResolver,
): Promise<{ platform: Platform; def: Definition }[]> {
  const { dockerfile2LLB, newDockerfileConfig } = await import("../../dockerfile/index.js");
  const config = newDockerfileConfig();
  config.buildArgs = o.buildArgs;
  config.target = o.target ?? "";
  config.targetPlatforms = o.targets;
  config.buildPlatforms = [o.buildPlatform];
  config.multiPlatformRequested = o.targets.length > 1;
  const sourceMap = new SourceMap(basename(file), { language: "Dockerfile", data: source });
  const out: { platform: Platform; def: Definition }[] = [];
  for (const platform of o.targets) {
    const res = await dockerfile2LLB(source, { config: { ...config, buildArgs: { ...config.buildArgs } }, sourceMap, targetPlatform: platform, metaResolver: resolver });
    out.push({ platform, def: await res.state.marshal() });
  }
  return out;
}

/**
 * Stands in for base image configs when no daemon answers: an image with an
 * unknown config (one layer, so it is not taken for scratch; no digest, so the
 * reference is not pinned). The converter then adds only its defaults (PATH).
 */
const unresolvedImages: ImageMetaResolver = {
  async resolveImageConfig(ref, options) {
    const p = options.platform;
    const config = { architecture: p?.architecture ?? "", os: p?.os ?? "", ...(p?.variant ? { variant: p.variant } : {}), rootfs: { type: "layers", diff_ids: [`sha256:${"0".repeat(64)}`] }, config: {} };
    return { ref, digest: "", config: new TextEncoder().encode(JSON.stringify(config)) };
  },
};

/** Runs `fn` with the daemon's gateway as resolver when a daemon answers, else without one (one line on stderr says so). */
async function withOptionalGateway<T>(cmd: Command, fn: (resolver: ImageMetaResolver) => Promise<T>): Promise<T> {
  let conn;
  try {
    conn = await connect(cmd, { allowStart: false });
  } catch (err) {
    process.stderr.write(`tsfrontend llb: no buildkitd reachable (${(err as Error).message.split("\n")[0]}): base image configs are not resolved\n`);
    return fn(unresolvedImages);
  }
  try {
    let out: T | undefined;
    // The session's registry auth, so private bases resolve as in a build.
    const requestServices = await sessionServices({ onWarning: (m) => log.warn(m) });
    await gatewayBuild(conn, { requestServices }, async (gateway) => {
      try {
        out = await fn(gateway);
        await gateway.return({ metadata: {} });
      } catch (err) {
        await gateway.return({ error: err instanceof Error ? err : new Error(String(err)) }).catch(() => {});
        throw err;
      }
    });
    return out as T;
  } finally {
    conn.close();
  }
}

/** Runs `tsfrontend llb FILE`: the Definition of each target platform, to stdout or --output-dir. */
export async function runLlb(file: string, flags: LlbFlags, cmd: Command): Promise<void> {
  const format = oneOf(flags.format, ["pb", "json"] as const, "--format");
  const opts = parseKeyValues(flags.opt ?? [], "--opt");
  const targets = targetPlatformFlags(flags.platform ?? [], opts);
  if (targets.length === 0) {
    throw new UsageError("required: the target platform, e.g. --platform linux/amd64 or --platform linux/amd64,linux/arm64", { flag: "--platform" });
  }
  const buildPlatform = flags.buildPlatform ? parsePlatformFlags([flags.buildPlatform], "--build-platform")[0]! : targets[0]!;
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts)) if (k.startsWith("build-arg:")) buildArgs[k.slice("build-arg:".length)] = v;
  Object.assign(buildArgs, parseKeyValues(flags.buildArg ?? [], "--build-arg"));
  const target = flags.target ?? opts["target"];
  if (format === "pb" && targets.length > 1 && !flags.outputDir) {
    throw new UsageError("several platforms give several Definitions: add --output-dir DIR (or use --format json)", { flag: "--platform" });
  }
  if (format === "pb" && !flags.outputDir && process.stdout.isTTY) {
    throw new UsageError("refusing to write binary Definition bytes to a terminal: pipe into `buildctl build`, redirect to a file, or use --format json", { flag: "--format" });
  }

  let source: string | undefined;
  try {
    source = await readFile(file, "utf8");
  } catch {
    source = undefined; // the program loader reports it
  }
  let defs: { platform: Platform; def: Definition }[] = [];
  if (source !== undefined && (await classifyBuildFile(basename(file), source)).kind === "dockerfile") {
    const text = source;
    defs = await withOptionalGateway(cmd, (gateway) => dockerfileDefinitions(file, text, { targets, buildPlatform, buildArgs, target }, gateway));
  } else {
    const { loadProgram, runProgram } = await import("../../program/load.js");
    const { declaredBuild } = await import("../../program/declarations.js");
    const loaded = await loadProgram(file);
    // As a build: the declared arg defaults and default target, an undeclared target refused.
    const declared = declaredBuild(loaded.declarations, buildArgs, target);
    const ctx = createBuildContext({ targetPlatforms: targets, buildPlatform, buildArgs: declared.buildArgs, target: declared.target, opts });
    const results = await runProgram(loaded, ctx);
    for (const r of results) {
      const def = await r.state.marshal({ platform: r.platform });
      defs.push({ platform: r.platform, def });
    }
  }

  if (flags.outputDir) {
    await mkdir(flags.outputDir, { recursive: true });
    for (const { platform, def } of defs) {
      const name = formatPlatform(platform).replaceAll("/", "-");
      const path = join(flags.outputDir, `${name}.${format === "json" ? "json" : "pb"}`);
      const data = format === "json" ? dumpDefinitionJson(def).join("\n") + "\n" : def.toBytes();
      // Write then rename, so an interrupted run never leaves half a file.
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, data);
      await rename(tmp, path);
    }
    return;
  }
  if (format === "json") {
    // buildctl debug dump-llb's lines, platform after platform, nothing in between (--output-dir separates them).
    const text = defs.map(({ def }) => dumpDefinitionJson(def).map((l) => l + "\n").join("")).join("");
    await writeStdout(text);
    return;
  }
  await writeStdout(defs[0]!.def.toBytes());
}
