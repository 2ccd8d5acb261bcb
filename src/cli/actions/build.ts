/** What `tsfrontend build` does; its flags are declared in ../commands/build.ts, which loads this module only when the command runs. */

import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isSpecialFile } from "../../internal/node/special-file.js";
import { basename, dirname, join, resolve } from "node:path";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { BuildFlags } from "../commands/build.js";
import type { BuildkitConnection } from "../../client/connection.js";
import { BuildkitError } from "../../client/errors.js";
import { createProgressWriter, formatBuildError, fromStatusResponse, openTraceFile, type ProgressMode, type SolveStatus, type SourceLocation, type TraceFile } from "../../progress/index.js";
import { withEntitlementHint } from "../../client/entitlements.js";
import type { LocalDirOptions } from "../../client/session/file-sync.js";
import { resolveSshAgents } from "../../client/session/ssh.js";
import { sessionServices, type SessionServicesOptions } from "../../client/session-services.js";
import type { SolveResult } from "../../client/solve.js";
import { BuilderNodeError, ReportedError, UsageError } from "../../errors.js";
import { decodeDefinition, Definition, type PbOpMetadata } from "../../llb/index.js";
import { programOpts } from "../../program/opts.js";
import { chosenBuilder, connect, connectionFlags } from "../connect.js";
import { randomID } from "../../llb/identity.js";
import { formatSubrequestResult } from "../format.js";
import { runBuildRequest, type BuildInput, type BuildRequest } from "../../builder/request.js";
import { touchActivity, type Builder } from "../../builder/store.js";
import type { LoadedProgram } from "../../program/load.js";
import { formatPlatformAll } from "../../llb/index.js";
import { parseAllow } from "../flags/allow.js";
import { attestOpts } from "../flags/attest.js";
import { annotationAttrs, applyTagsAndPush, buildxRunOpts, cacheShorthand, imageIdOf, labelOpts, parseBuildContexts } from "../flags/buildx.js";
import { callOutput, parseCallFlag } from "../flags/call.js";
import { parseExportCache, parseImportCache } from "../flags/cache.js";
import { parseOutputs } from "../flags/outputs.js";
import { parseSecretFlags } from "../flags/secrets.js";
import { parseSshSpecs } from "../flags/ssh.js";
import { oneOf, parseBuildArgs, parseKeyValues, parsePlatformFlags, targetPlatformFlags } from "../options.js";
import { parseOciLayouts } from "../flags/oci-layout.js";
import { parseRegistryAuthTlsContexts } from "../flags/registry-auth-tls.js";
import { log } from "../log.js";
import { TargetError } from "../../client/exporters.js";
import { withMissingLocalHint } from "../../client/session/file-sync.js";
import { loadSourcePolicyFile } from "../../client/source-policy.js";

function parseLocals(values: string[]): Map<string, LocalDirOptions> {
  const dirs = new Map<string, LocalDirOptions>();
  for (const [name, dir] of Object.entries(parseKeyValues(values, "--local"))) {
    const abs = resolve(dir);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`${name}=${dir}: ${dir} is not a directory`, { flag: "--local" });
    dirs.set(name, { dir: abs });
  }
  return dirs;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Go's buildctl writeMetadataFile: base64 values holding JSON objects are inlined. */
function metadataJson(resp: Record<string, string>): string {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(resp).sort()) {
    const v = resp[k]!;
    let value: unknown = v;
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0) {
      try {
        const parsed = JSON.parse(Buffer.from(v, "base64").toString("utf8")) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed) && Object.keys(parsed).length > 0) value = parsed;
      } catch {
        // Not JSON: keep the string.
      }
    }
    out[k] = value;
  }
  return JSON.stringify(out, null, 2);
}

function writeAtomic(file: string, data: string): void {
  // A device or FIFO (--metadata-file /dev/stdout) is written into; a rename would replace it.
  if (isSpecialFile(file)) {
    writeFileSync(file, data);
    return;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** The lines of the error's source file, for the excerpt. */
function errorSources(err: BuildkitError): SourceLocation[] {
  const out: SourceLocation[] = [];
  for (const s of err.details.sources ?? []) {
    let text: string | undefined = s.data ? Buffer.from(s.data).toString("utf8") : undefined;
    if (text === undefined) {
      try {
        text = readFileSync(s.filename, "utf8");
      } catch {
        text = "";
      }
    }
    const r = s.ranges[0];
    if (!r) continue;
    // Every range is marked (an instruction continued over lines has one per line), as errdefs.Source.Print.
    out.push({ filename: s.filename, line: r.start, endLine: r.end, ranges: s.ranges.map((x) => ({ start: x.start, end: x.end })), lines: text.split("\n") });
  }
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `-f DIR`: the Definitions `llb --output-dir DIR` wrote, one `<os>-<arch>[-<variant>].pb` per platform,
 * keyed by normalised platform; with `--platform`, those platforms' (each must be there), in that order,
 * else every one in the directory, in name order. Other files are left alone.
 */
async function readDefinitionsDir(dir: string, platformFlag: string | undefined): Promise<Map<string, Definition>> {
  const { readdir } = await import("node:fs/promises");
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".pb")).sort()) {
    const platform = formatPlatformAll(parsePlatformFlags([name.slice(0, -3).replaceAll("-", "/")], `-f ${join(dir, name)}`)[0]!);
    files.set(platform, join(dir, name));
  }
  if (files.size === 0) {
    if (existsSync(join(dir, "Dockerfile"))) throw new UsageError(`${dir} is a directory: -f takes the Dockerfile itself (${join(dir, "Dockerfile")}), or a directory of Definitions`, { flag: "-f" });
    throw new UsageError(`${dir} holds no Definition: write one per platform with \`tsfrontend llb FILE --platform ... --output-dir ${dir}\``, { flag: "-f" });
  }
  const wanted = platformFlag ? parsePlatformFlags([platformFlag]).map(formatPlatformAll) : [...files.keys()];
  const out = new Map<string, Definition>();
  for (const platform of wanted) {
    const file = files.get(platform);
    if (!file) throw new UsageError(`${dir} has no Definition for ${platform} (it has ${[...files.keys()].join(", ")})`, { flag: "--platform" });
    let def: Definition;
    try {
      def = decodeDefinition(await readFile(file));
    } catch (err) {
      throw new UsageError(`${file}: not an LLB Definition: ${(err as Error).message}`, { flag: "-f", cause: err });
    }
    if (def.def.length === 0) throw new UsageError(`${file}: an empty Definition`, { flag: "-f" });
    out.set(platform, def);
  }
  return out;
}

/** A Definition of which every op ignores the cache (`--no-cache`), as buildctl marks them. */
function ignoringCache(definition: Definition): Definition {
  const md = new Map<string, PbOpMetadata>();
  for (const [k, v] of definition.metadata) md.set(k, { ...v, ignore_cache: true });
  return new Definition(definition.def, md, definition.source);
}

/** Whether `-f FILE` is a Dockerfile (program/classify.ts); a missing file is left to the program loader's error. */
async function isDockerfile(file: string): Promise<boolean> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch {
    return false;
  }
  const { classifyBuildFile } = await import("../../program/classify.js");
  return (await classifyBuildFile(basename(file), source)).kind === "dockerfile";
}

/** Opens `--trace`'s file (a UsageError naming the flag when it cannot be). */
function openTrace(file: string | undefined): TraceFile | undefined {
  if (file === undefined) return undefined;
  try {
    return openTraceFile(file);
  } catch (err) {
    throw new UsageError(`cannot open ${file}: ${(err as Error).message}`, { flag: "--trace", cause: err });
  }
}

/**
 * Ctrl-C and SIGTERM during a build: the first aborts it (every node's, with
 * a builder) and lets the caller report; a second stops waiting for the
 * daemon and exits at once (staged exports are removed on exit: file-send.ts).
 */
function watchInterrupt(pw: { done(): Promise<void> }): { signal: AbortSignal; interrupted(): boolean; release(): void } {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) {
      void pw.done();
      process.stderr.write("tsfrontend: build canceled\n");
      process.exit(130);
    }
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: abort.signal,
    interrupted: () => abort.signal.aborted,
    release: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** The build was interrupted: one line, exit status 130. */
function canceled(): ReportedError {
  process.stderr.write("tsfrontend: build canceled\n");
  return new ReportedError("build canceled", 130);
}

/** Runs the build on a builder's nodes (src/builder/run.ts): one progress display, one error line per failed node. */
async function runOnBuilder(builder: Builder, flags: BuildFlags, mode: ProgressMode, buildRequest: BuildRequest, outputs: ReturnType<typeof parseOutputs>, services: SessionServicesOptions): Promise<void> {
  const { builderBuild } = await import("../../builder/run.js");
  const { labelStatus, labelledDigest } = await import("../../builder/progress.js");
  const platforms = buildRequest.opts["platform"] ? parsePlatformFlags([buildRequest.opts["platform"]], "--platform").map(formatPlatformAll) : [];
  const trace = openTrace(flags.trace);
  const pw = createProgressWriter(mode, process.stderr);
  const interrupt = watchInterrupt(pw);
  let response: Record<string, string>;
  let ref = "";
  // Lines said during the build: at once, except under the tty display, which they would break (after it).
  const held: string[] = [];
  const flushHeld = () => {
    for (const m of held.splice(0)) log.info(m);
  };
  try {
    const r = await builderBuild({
      builder,
      request: buildRequest,
      platforms,
      outputs,
      services,
      ...(flags.retryOtherNode ? { retryOtherNode: true } : {}),
      signal: interrupt.signal,
      onStatus: (run, s) => {
        const status = labelStatus(fromStatusResponse(s), run.node, run.label);
        pw.write(status);
        trace?.write(status);
      },
      // Quiet (-q, --progress quiet) says nothing on stderr, as buildx.
      onInfo: (m) => (mode === "quiet" ? undefined : pw.mode === "tty" ? held.push(m) : log.info(m)),
      ...(services.onWarning ? { onWarning: services.onWarning } : {}),
    });
    response = r.exporterResponse;
    ref = r.nodes[0]?.result.ref ?? "";
    await pw.done();
    flushHeld();
    // After the progress display has ended: the index is pushed once every node's export is done.
    if (mode !== "quiet") for (const line of r.pushed) log.info(`pushed ${line}`);
  } catch (err) {
    await pw.done(err instanceof Error ? err : undefined);
    flushHeld();
    if (interrupt.interrupted()) throw canceled();
    // A build step failed on a node: its error block, then the node's line.
    const cause = err instanceof BuilderNodeError ? err.cause : undefined;
    if (err instanceof BuilderNodeError && cause instanceof BuildkitError && cause.reason !== "CONNECTION_LOST" && cause.details.vertex) {
      const digest = labelledDigest(cause.details.vertex, err.node);
      const vertex = pw.vertex(digest);
      process.stderr.write(
        formatBuildError(
          { message: cause.message, ...(vertex?.name ? { vertexName: vertex.name } : {}), logTail: pw.logTail(digest), source: errorSources(cause) },
          { omitStepLogs: mode !== "quiet" && mode !== "rawjson" },
        ),
      );
      process.stderr.write(`tsfrontend: ${err.toOneLine()}\n`);
      throw new ReportedError(err.message, 1, { cause: err });
    }
    throw err;
  } finally {
    interrupt.release();
    trace?.close();
  }
  for (const [k, v] of Object.entries(response)) log.debug(`exporter response: ${k}=${v}`);
  writeResultFiles(flags, ref, response);
}

/** --ref-file, --metadata-file and --iidfile, and the image ID --quiet prints (as buildx). */
function writeResultFiles(flags: BuildFlags, ref: string, response: Record<string, string>): void {
  if (flags.refFile) writeAtomic(flags.refFile, ref);
  if (flags.metadataFile) writeAtomic(flags.metadataFile, metadataJson(response));
  if (flags.iidfile) writeAtomic(flags.iidfile, imageIdOf(response));
  if (flags.quiet) process.stdout.write(`${imageIdOf(response)}\n`);
}

/**
 * The connection to the builder's node a subrequest is asked of (builder/run.ts `subrequestNode`), and
 * how its progress is shown: prefixed by `[node platform]` as a builder build's steps are.
 */
async function subrequestConnection(builder: Builder, flags: BuildFlags, buildRequest: BuildRequest): Promise<{ conn: BuildkitConnection; label: (s: SolveStatus) => SolveStatus; digest: (d: string) => string }> {
  const { labelStatus, labelledDigest } = await import("../../builder/progress.js");
  const { subrequestNode } = await import("../../builder/run.js");
  const platforms = buildRequest.opts["platform"] ? parsePlatformFlags([buildRequest.opts["platform"]], "--platform").map(formatPlatformAll) : [];
  const quiet = flags.quiet || flags.progress === "quiet";
  const node = await subrequestNode({ builder, platforms, ...(flags.retryOtherNode ? { retryOtherNode: true } : {}), onInfo: (m) => (quiet ? undefined : log.info(m)) });
  const name = node.node.name;
  return { conn: node.conn, label: (s) => labelStatus(s, name, node.label), digest: (d) => labelledDigest(d, name) };
}

/** Runs `tsfrontend build` with its parsed flags: a program, a Dockerfile, a frontend or a Definition from stdin, on one daemon or a builder's nodes. */
export async function runBuild(given: BuildFlags, cmd: Command): Promise<void> {
  // buildx's PATH argument: without -f or --frontend, PATH/Dockerfile is what is built.
  const flags: BuildFlags = given.contextPath !== undefined && given.file === undefined && given.frontend === undefined ? { ...given, file: join(given.contextPath, "Dockerfile") } : given;
  if (flags.quiet && flags.progress !== "auto" && flags.progress !== "quiet") throw new UsageError(`progress=${flags.progress} and quiet cannot be used together`, { flag: "--quiet" });
  const mode = (flags.quiet ? "quiet" : oneOf(flags.progress, ["auto", "tty", "plain", "rawjson", "quiet"] as const, "--progress")) as ProgressMode;
  // The result files' folders are checked before building, not after (buildx refuses such a path first).
  for (const [flag, file] of [["--metadata-file", flags.metadataFile], ["--iidfile", flags.iidfile], ["--ref-file", flags.refFile]] as const) {
    if (file !== undefined && !isSpecialFile(file) && !isDirectory(dirname(resolve(file)))) throw new UsageError(`${file}: its directory ${dirname(resolve(file))} does not exist`, { flag });
  }
  // buildx removes an earlier image ID file first: a failed build leaves none.
  if (flags.iidfile) rmSync(flags.iidfile, { force: true });
  if (flags.file && flags.frontend) throw new UsageError("use either -f PROGRAM or --frontend, not both", { flag: "--frontend" });
  const optValues = parseKeyValues(flags.opt ?? [], "--opt");
  // buildx's --label and --build-context are opts too (label:K, context:NAME); an --opt saying otherwise is an error.
  const buildContexts = parseBuildContexts(flags.buildContext ?? []);
  // --no-cache covers every stage: a --no-cache-filter beside it adds nothing (buildx sends no-cache="").
  const runFlags = buildxRunOpts({ ...flags, ...(flags.cache ? {} : { noCacheFilter: [] }) });
  const flagOpts = { ...labelOpts(flags.label ?? []), ...buildContexts.opts, ...runFlags.opts };
  for (const [k, v] of Object.entries(flagOpts)) {
    if (optValues[k] !== undefined && optValues[k] !== v) {
      const flag = runFlags.flagOf[k] ?? (k.startsWith("label:") ? "--label" : "--build-context");
      throw new UsageError(`--opt ${k}=${optValues[k]} and ${flag} ask for different things: give it once`, { flag });
    }
  }
  if (Object.keys(buildContexts.opts).length > 0 && optValues["frontend.caps"] === undefined) flagOpts["frontend.caps"] = "moby.buildkit.frontend.contexts+forward";
  // --platform and --opt platform=... are one setting: both given must agree (an --opt value alone is sent as given).
  const platforms = (flags.platform ?? []).length > 0 ? targetPlatformFlags(flags.platform ?? [], optValues) : [];
  const buildPlatform = flags.buildPlatform ? parsePlatformFlags([flags.buildPlatform], "--build-platform")[0] : undefined;
  // Flags become frontend opts, which a program build and a frontend read alike (program/opts.ts).
  const opts = programOpts(
    {
      platforms,
      buildArgs: parseBuildArgs(flags.buildArg ?? []),
      ...(flags.target !== undefined ? { target: flags.target } : {}),
      noCache: !flags.cache,
      extra: flagOpts,
    },
    optValues,
  );
  // --attest/--sbom/--provenance become attest:<type> opts, as buildx sends them (none by default, as buildctl).
  const attests = attestOpts({ ...(flags.attest ? { attest: flags.attest } : {}), ...(flags.sbom !== undefined ? { sbom: flags.sbom } : {}), ...(flags.provenance !== undefined ? { provenance: flags.provenance } : {}) });
  for (const type of attests.types) {
    const key = `attest:${type}`;
    const given = Object.keys(optValues).find((k) => k.toLowerCase() === key);
    if (given !== undefined && optValues[given] !== attests.opts[key]) {
      throw new UsageError(`--opt ${given}=${optValues[given]} and the ${type} attestation flags ask for different things: give it once, with either`, { flag: type === "sbom" && flags.sbom !== undefined ? "--sbom" : type === "provenance" && flags.provenance !== undefined ? "--provenance" : "--attest" });
    }
  }
  Object.assign(opts, attests.opts);
  // --call NAME (buildx's) asks the frontend's subrequest frontend.NAME instead of building.
  const call = flags.call !== undefined ? parseCallFlag(flags.call) : flags.check ? parseCallFlag("check") : undefined;
  if (call) {
    if (optValues["requestid"] !== undefined) throw new UsageError(`--call ${call.name} and --opt requestid=${optValues["requestid"]} both ask a subrequest: give one`, { flag: "--call" });
    opts["requestid"] = `frontend.${call.name}`;
  }
  // A subrequest says the client takes subrequest answers, as buildctl does.
  if (opts["requestid"] !== undefined && opts["frontend.caps"] === undefined) opts["frontend.caps"] = "moby.buildkit.frontend.subrequests";
  const builder = chosenBuilder(cmd);
  const locals = parseLocals(flags.local ?? []);
  const localsFromFlags = (name: string, dir: string, flag: string) => {
    if (locals.has(name)) throw new UsageError(`${flag} and --local ${name}=... both name the local ${name}: give one`, { flag });
    locals.set(name, { dir: resolve(dir) });
  };
  if (flags.contextPath !== undefined) {
    localsFromFlags("context", flags.contextPath, "PATH");
    // With --frontend, PATH is also the dockerfile local, as buildx sends both.
    if (flags.frontend !== undefined && !locals.has("dockerfile")) locals.set("dockerfile", { dir: resolve(flags.contextPath) });
  }
  for (const [name, dir] of buildContexts.locals) localsFromFlags(name, dir, "--build-context");
  // A directory of Definitions (`llb --output-dir`), one per platform.
  let definitions = flags.file !== undefined && flags.frontend === undefined && isDirectory(flags.file) ? await readDefinitionsDir(flags.file, opts["platform"]) : undefined;
  if (definitions && !flags.cache) definitions = new Map([...definitions].map(([p, d]) => [p, ignoringCache(d)]));
  if (definitions && opts["platform"] === undefined) opts["platform"] = [...definitions.keys()].join(",");
  // A Dockerfile (program/classify.ts) is built by the Dockerfile builder, which reads it as dockerui does.
  const dockerfile = flags.file && !definitions ? await isDockerfile(flags.file) : false;
  if (dockerfile && flags.file) {
    if (!locals.has("dockerfile")) locals.set("dockerfile", { dir: resolve(dirname(flags.file)) });
    if (opts["filename"] === undefined) opts["filename"] = basename(flags.file);
  }
  const ociLayouts = parseOciLayouts(flags.ociLayout ?? []);
  for (const [store, dir] of buildContexts.ociLayouts) ociLayouts.set(store, dir);
  // buildx puts the annotations on every output (the exporters that do not take them ignore them).
  const annotations = annotationAttrs(flags.annotation ?? []);
  const outputs = applyTagsAndPush(parseOutputs(flags.output ?? [], {}), { tags: flags.tag ?? [], push: flags.push === true }).map((o) => ({ ...o, attrs: { ...o.attrs, ...annotations } }));
  // As buildx: an image ID names an image, which a local or tar export is not.
  if (flags.iidfile && outputs.some((o) => o.type === "local" || o.type === "tar")) {
    throw new UsageError("local and tar exporters are incompatible with image ID file", { flag: "--iidfile" });
  }
  if ((flags.tag ?? []).length > 0 && outputs.length === 0) {
    log.warn("no output specified: the build result only remains in the build cache; add --push to push the image, or --output");
  }
  const cacheExports = [...(flags.exportCache ?? []), ...(flags.cacheTo ?? []).map(cacheShorthand)].flatMap((v) => parseExportCache([v]));
  const cacheImports = [...(flags.importCache ?? []), ...(flags.cacheFrom ?? []).map(cacheShorthand)].flatMap((v) => parseImportCache([v]));
  const entitlements = parseAllow([...new Set([...(flags.allow ?? []), ...runFlags.entitlements])]);
  const secrets = parseSecretFlags(flags.secret ?? []);
  const sshAgents = resolveSshAgents(parseSshSpecs(flags.ssh ?? []));
  const sourcePolicy = flags.sourcePolicyFile !== undefined ? loadSourcePolicyFile(flags.sourcePolicyFile) : undefined;
  const registryAuthTls = parseRegistryAuthTlsContexts(flags.registryAuthTlscontext ?? []);

  // Load the program (or read stdin) before connecting, so input errors come first.
  // esbuild is loaded only for a program.
  const program = flags.file && !dockerfile && !definitions ? await (await import("../../program/load.js")).loadProgram(flags.file) : undefined;
  let definition: Definition | undefined;
  if (!program && !dockerfile && !definitions && !flags.frontend) {
    if (process.stdin.isTTY) throw new UsageError("give a build program with -f PROGRAM.ts, a --frontend, or pipe an LLB Definition to stdin", { flag: "-f" });
    definition = decodeDefinition(await readStdin());
    if (definition.def.length === 0) throw new UsageError("empty definition on stdin; give -f PROGRAM.ts or --frontend instead", { flag: "-f" });
    if (!flags.cache) definition = ignoringCache(definition);
  }

  if ((definition || definitions) && opts["requestid"] !== undefined) {
    throw new UsageError(`a subrequest (--call, --check, --opt requestid) is asked of a frontend: give -f FILE or --frontend, not ${definitions ? "Definitions" : "a Definition on stdin"}`, { flag: flags.call !== undefined ? "--call" : flags.check ? "--check" : "--opt" });
  }
  const input: BuildInput = program
    ? { kind: "program", program }
    : dockerfile
      ? { kind: "dockerfile" }
      : definitions
        ? { kind: "definitions", definitions }
        : flags.frontend
          ? { kind: "frontend", frontend: flags.frontend }
          : { kind: "definition", definition: definition! };
  const buildRequest: BuildRequest = {
    input,
    opts,
    ...(buildPlatform ? { buildPlatform } : {}),
    ...(entitlements.length > 0 ? { entitlements } : {}),
    ...(sourcePolicy ? { sourcePolicy } : {}),
    ...(flags.proxyNetwork ? { proxyNetwork: true } : {}),
  };
  const warn = (m: string) => log.warn(m);
  // The session's services: assembled once per node with a builder, once here without.
  const services: SessionServicesOptions = {
    locals,
    sshAgents,
    ...(secrets.length > 0 ? { secrets } : {}),
    cacheExports,
    cacheImports,
    ...(ociLayouts.size > 0 ? { ociLayouts } : {}),
    ...(registryAuthTls.size > 0 ? { registryAuthTls } : {}),
    onWarning: warn,
  };
  // A subrequest on a builder is asked of one node (the one of the first platform) below, as of one daemon.
  // The builder's last activity (builder inspect), as buildx records it for each build; written once the
  // build has ended, off the nodes' start.
  if (builder && opts["requestid"] === undefined) {
    try {
      await runOnBuilder(builder, flags, mode, buildRequest, outputs, services);
    } finally {
      touchActivity(builder.name);
    }
    return;
  }
  if (builder) touchActivity(builder.name);
  // The session's services, before connecting: an export target that cannot be
  // written fails here, before anything is built (buildctl opens its output files first).
  const request = await sessionServices({ ...services, fileSend: { targets: outputs.map((o) => o.target) } }).catch((err: unknown) => {
    if (err instanceof TargetError) throw new UsageError(err.message, { flag: "--output", cause: err });
    throw err;
  });
  const fileSend = request.fileSend;
  const trace = openTrace(flags.trace);
  if (flags.trace !== undefined) log.info(`tracing logs to ${flags.trace}`);

  let conn: BuildkitConnection;
  let label = (s: SolveStatus) => s;
  let shownDigest = (d: string) => d;
  try {
    if (builder) {
      const node = await subrequestConnection(builder, flags, buildRequest);
      conn = node.conn;
      label = node.label;
      shownDigest = node.digest;
    } else {
      conn = await connect(cmd);
    }
  } catch (err) {
    trace?.close();
    throw err;
  }
  const pw = createProgressWriter(mode, process.stderr);

  const interrupt = watchInterrupt(pw);

  let result: SolveResult | undefined;
  // buildctl writes --ref-file whatever the outcome (a failed build's ref is what `debug logs` wants).
  const ref = randomID();
  try {
    result = await runBuildRequest(conn, buildRequest, {
      ref,
      exports: outputs.map((o) => ({ type: o.type, attrs: o.attrs })),
      requestServices: request,
      signal: interrupt.signal,
      onStatus: (s) => {
        const status = label(fromStatusResponse(s));
        pw.write(status);
        trace?.write(status);
      },
      onWarning: warn,
    });
    await pw.done();
  } catch (err) {
    // A refused entitlement: say which flag grants it.
    err = withEntitlementHint(err);
    // A local dir the build reads but was not given: say which --local is missing.
    const failed = err instanceof BuildkitError && err.details.vertex ? pw.vertex(shownDigest(err.details.vertex)) : undefined;
    err = withMissingLocalHint(err, {
      given: [...locals.keys()],
      ...(failed?.name ? { vertexName: failed.name } : {}),
      ...(flags.frontend === "dockerfile.v0" || dockerfile ? { expected: ["context", "dockerfile"] } : {}),
    });
    await pw.done(err instanceof Error ? err : undefined);
    // Wait for export streams to end, so nothing half-written is left at a target.
    await fileSend?.discard();
    if (flags.refFile) writeAtomic(flags.refFile, ref);
    if (interrupt.interrupted()) throw canceled();
    // The daemon went away: one line (main.ts prints it), not a build error block.
    if (err instanceof BuildkitError && err.reason === "CONNECTION_LOST") throw err;
    if (err instanceof BuildkitError) {
      const vertex = err.details.vertex ? pw.vertex(shownDigest(err.details.vertex)) : undefined;
      process.stderr.write(
        formatBuildError(
          {
            message: err.message,
            ...(vertex?.name ? { vertexName: vertex.name } : {}),
            logTail: err.details.vertex ? pw.logTail(shownDigest(err.details.vertex)) : [],
            source: errorSources(err),
          },
          { omitStepLogs: mode !== "quiet" && mode !== "rawjson" },
        ),
      );
      throw new ReportedError(err.message, 1, { cause: err });
    }
    throw err;
  } finally {
    interrupt.release();
    conn.close();
    trace?.close();
  }
  for (const [k, v] of Object.entries(result.exporterResponse)) log.debug(`exporter response: ${k}=${v}`);
  if (call) {
    // As buildx prints it: the answer on stdout, a lint error on stderr, the answer's status as the exit code.
    // buildx names the Dockerfile in excerpts by its path as given (-f).
    const printed = callOutput(call, result.subrequest ?? {}, dockerfile ? flags.file : undefined);
    process.stdout.write(printed.stdout);
    if (printed.error !== undefined) {
      process.stderr.write(`error: ${printed.error}`);
      throw new ReportedError(printed.error, 1);
    }
    if (printed.status !== 0) throw new ReportedError(`--call ${call.name}: status ${printed.status}`, printed.status);
  } else if (result.subrequest) {
    process.stdout.write(formatSubrequestResult(result.subrequest));
  }
  writeResultFiles(flags, result.ref, result.exporterResponse);
}
