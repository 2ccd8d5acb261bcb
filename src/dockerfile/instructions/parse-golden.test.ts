// Go's instructions.Parse on the same Dockerfiles: test/golden/instructions/main.go (buildkit
// v0.32.2) ran every case of cases.json (made by cases.py) and wrote expected.json; here our
// parser + instructions + linter must produce the same dump: every command's fields, the
// mounts, the lint warnings, the error text and its location. Regenerate with
// `cd test/golden/instructions && python3 cases.py && go run . < cases.json > expected.json`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DockerfileRange } from "../../errors.js";
import { DockerfileError } from "../../errors.js";
import { Linter, parseLintOptions, type LinterConfig } from "../linter/linter.js";
import { parse as parseDockerfile } from "../parser/parser.js";
import {
  KeyValuePairOptional,
  supportsSingleWordExpansion,
  supportsSingleWordExpansionRaw,
  type Command,
  type KeyValuePair,
  type ShellInlineFile,
  type SourceContent,
} from "./commands.js";
import { getDevices } from "./commands-rundevice.js";
import { getMounts } from "./commands-runmount.js";
import { getNetwork } from "./commands-runnetwork.js";
import { getSecurity } from "./commands-runsecurity.js";
import { parse } from "./parse.js";

interface Case {
  dockerfile: string;
  check?: string;
  expand?: boolean;
}

const dir = new URL("../../../../test/golden/instructions/", import.meta.url);
const cases = JSON.parse(readFileSync(fileURLToPath(new URL("cases.json", dir)), "utf8")) as Case[];
const expected = JSON.parse(readFileSync(fileURLToPath(new URL("expected.json", dir)), "utf8")) as unknown[];

const rng = (r: DockerfileRange[]) => r.map((x) => [x.start.line, x.start.character, x.end.line, x.end.character]);
const kvps = (k: KeyValuePair[]) => k.map((x) => [x.key, x.value, x.noDelim]);
const sc = (s: SourceContent[]) => s.map((x) => [x.path, x.data, x.expand]);
const files = (s: ShellInlineFile[]) => s.map((x) => [x.name, x.data, x.chomp]);
const args = (a: KeyValuePairOptional[]) => a.map((x) => [x.key, x.value ?? null, x.docComment]);

function dumpCmd(c: Command): Record<string, unknown> {
  const m: Record<string, unknown> = { name: c.name(), code: c.toString(), location: rng(c.location()), comments: c.comments(), kind: c.kind };
  switch (c.kind) {
    case "env":
      m.env = kvps(c.env);
      break;
    case "maintainer":
      m.maintainer = c.maintainer;
      break;
    case "label":
      m.labels = kvps(c.labels);
      break;
    case "add":
      Object.assign(m, {
        dest: c.destPath, srcs: c.sourcePaths, contents: sc(c.sourceContents), chown: c.chown, chmod: c.chmod, link: c.link,
        exclude: c.excludePatterns, keepGitDir: c.keepGitDir ?? null, checksum: c.checksum, unpack: c.unpack ?? null,
      });
      break;
    case "copy":
      Object.assign(m, {
        dest: c.destPath, srcs: c.sourcePaths, contents: sc(c.sourceContents), from: c.from, chown: c.chown, chmod: c.chmod,
        link: c.link, exclude: c.excludePatterns, parents: c.parents,
      });
      break;
    case "onbuild":
      m.expression = c.expression;
      break;
    case "workdir":
      m.path = c.path;
      break;
    case "run":
      Object.assign(m, {
        cmdLine: c.cmdLine ?? null, files: files(c.files), prependShell: c.prependShell, flagsUsed: [...c.flagsUsed].sort(),
        mounts: getMounts(c).map((x) => ({
          type: x.type, from: x.from, source: x.source, target: x.target, readOnly: x.readOnly, sizeLimit: x.sizeLimit,
          cacheID: x.cacheID, cacheSharing: x.cacheSharing, required: x.required, env: x.env ?? null, mode: x.mode ?? null,
          uid: x.uid ?? null, gid: x.gid ?? null,
        })),
        network: getNetwork(c), security: getSecurity(c), devices: getDevices(c).map((d) => [d.name, d.required]),
      });
      break;
    case "cmd":
    case "entrypoint":
      Object.assign(m, { cmdLine: c.cmdLine ?? null, files: files(c.files), prependShell: c.prependShell });
      break;
    case "healthcheck": {
      const h = c.health;
      m.health = [h.test, h.interval, h.timeout, h.startPeriod, h.startInterval, h.retries];
      break;
    }
    case "expose":
      m.ports = c.ports;
      break;
    case "user":
      m.user = c.user;
      break;
    case "volume":
      m.volumes = c.volumes;
      break;
    case "stopsignal":
      m.signal = c.signal;
      break;
    case "arg":
      m.args = args(c.args);
      break;
    case "shell":
      m.shell = c.shell;
      break;
  }
  return m;
}

function expander(w: string): string {
  if (w.includes("$BAD")) throw new DockerfileError("bad word " + w);
  return w.replaceAll("$V", "val");
}

function run(tc: Case): Record<string, unknown> {
  const res: Record<string, unknown> = {};
  let ast;
  try {
    ast = parseDockerfile(tc.dockerfile).ast;
  } catch (err) {
    res.parserError = (err as Error).message;
    return res;
  }
  const warnings: unknown[] = [];
  let cfg: LinterConfig = {};
  if (tc.check !== undefined) {
    try {
      cfg = parseLintOptions(tc.check);
    } catch (err) {
      res.checkError = (err as Error).message;
      return res;
    }
  }
  cfg.warn = (rulename, description, url, fmtmsg, location) => warnings.push([rulename, description, url, fmtmsg, rng(location)]);
  const lint = new Linter(cfg);
  let out;
  try {
    out = parse(ast, lint);
  } catch (err) {
    assert.ok(err instanceof DockerfileError, `not a DockerfileError: ${String(err)}`);
    res.warnings = warnings;
    res.error = err.message;
    res.errorLocation = rng(err.ranges);
    return res;
  }
  res.warnings = warnings;
  const lerr = lint.error();
  if (lerr) res.lintError = lerr.message;
  res.metaArgs = out.metaArgs.map((a) => [a.toString(), args(a.args)]);
  res.stages = out.stages.map((s) => ({
    name: s.name, baseName: s.baseName, platform: s.platform, origCmd: s.origCmd, docComment: s.docComment,
    sourceCode: s.sourceCode, location: rng(s.location), comments: s.comments,
    commands: s.commands.map((c) => {
      if (tc.expand) {
        try {
          if (supportsSingleWordExpansion(c)) c.expand(expander);
          if (supportsSingleWordExpansionRaw(c)) c.expandRaw(expander);
        } catch (err) {
          return { expandError: (err as Error).message };
        }
      }
      return dumpCmd(c);
    }),
  }));
  return res;
}

/** Go's lint error lists rules in map order: compare it as a set. */
function normalize(r: Record<string, unknown>): Record<string, unknown> {
  const lintError = r["lintError"];
  if (typeof lintError === "string") {
    const [head, list] = lintError.split(": ");
    r["lintError"] = `${head}: ${list!.split(", ").sort().join(", ")}`;
  }
  for (const st of (r["stages"] as { commands: Record<string, unknown>[] }[] | undefined) ?? []) {
    for (const c of st.commands) if (Array.isArray(c["flagsUsed"])) c["flagsUsed"] = [...(c["flagsUsed"] as string[])].sort();
  }
  return r;
}

test("instructions.Parse matches buildkit v0.32.2 on every golden case", () => {
  assert.equal(cases.length, expected.length);
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const got = normalize(run(cases[i]!));
    const want = normalize(expected[i] as Record<string, unknown>);
    try {
      assert.deepStrictEqual(got, want);
    } catch (err) {
      failures.push(`case ${i} ${JSON.stringify(cases[i])}:\n${(err as Error).message.slice(0, 3000)}`);
    }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ:\n${failures.slice(0, 8).join("\n\n")}`);
});
