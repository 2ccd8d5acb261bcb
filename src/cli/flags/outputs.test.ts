import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { exportOutputs, type ExportOutputs, type ExportOutputsOptions } from "../../client/exporters.js";
import { UsageError } from "../../errors.js";
import { parseOutput, parseOutputs as parseOutputFlags, type ParseOutputOptions } from "./outputs.js";

/** As `tsfrontend build` does: the flags parsed, then set up for export. */
function parseOutputs(values: readonly string[], options: ParseOutputOptions & ExportOutputsOptions = {}): ExportOutputs {
  return exportOutputs(parseOutputFlags(values, options), options);
}


function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "tsf-exporters-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const notTTY = { stdoutIsTTY: false };

function usageError(re: RegExp, flag = "--output") {
  return (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.flag, flag);
    assert.match(err.message, re);
    const line = err.toOneLine();
    assert.ok(line.startsWith(`${flag}: `), line);
    assert.ok(!line.includes("\n"), line);
    assert.match(line, /accepted: /);
    return true;
  };
}

describe("--output", () => {
  test("type=local,dest=out: dest becomes a directory target, not an attr", () => {
    const r = parseOutputs(["type=local,dest=out"], notTTY);
    assert.deepEqual(r.exports, [{ type: "local", attrs: {} }]);
    assert.deepEqual(r.outputs[0]!.target, { kind: "dir", path: "out", mode: "copy", exporter: "local" });
    assert.equal(r.sessionServices.length, 1);
    assert.equal(r.sessionServices[0]!.name, "moby.filesync.v1.FileSend");
    assert.equal(r.fileSend, r.sessionServices[0]);
  });

  test("type=image,name=reg/x:y,push=true: attrs go to the daemon, no session service", () => {
    const r = parseOutputs(["type=image,name=reg/x:y,push=true"], notTTY);
    assert.deepEqual(r.exports, [{ type: "image", attrs: { name: "reg/x:y", push: "true" } }]);
    assert.equal(r.outputs[0]!.target, undefined);
    assert.deepEqual(r.sessionServices, []);
    assert.equal(r.fileSend, undefined);
  });

  test("type=oci,dest=file.tar / type=tar,dest=out.tar / type=docker,dest=-", () => {
    assert.deepEqual(parseOutput("type=oci,dest=file.tar", notTTY), { type: "oci", attrs: {}, target: { kind: "file", path: "file.tar", exporter: "oci" } });
    assert.deepEqual(parseOutput("type=tar,dest=out.tar", notTTY), { type: "tar", attrs: {}, target: { kind: "file", path: "out.tar", exporter: "tar" } });
    assert.deepEqual(parseOutput("type=docker,dest=-,name=x", notTTY), { type: "docker", attrs: { name: "x" }, target: { kind: "stdout", exporter: "docker" } });
    assert.deepEqual(parseOutput("type=tar", notTTY).target, { kind: "stdout", exporter: "tar" });
    const out = new PassThrough();
    assert.equal((parseOutput("type=tar,dest=-", { ...notTTY, stdout: out }).target as { stream: unknown }).stream, out);
    assert.throws(() => parseOutput("type=docker,dest=-", { stdoutIsTTY: true }), usageError(/output file is required for docker exporter\. refusing to write to console/));
  });

  test("buildx shorthands: -o dir and -o -", () => {
    assert.deepEqual(parseOutput("out/dir", notTTY), { type: "local", attrs: {}, target: { kind: "dir", path: "out/dir", mode: "copy", exporter: "local" } });
    assert.deepEqual(parseOutput("-", notTTY), { type: "tar", attrs: {}, target: { kind: "stdout", exporter: "tar" } });
    assert.throws(() => parseOutput("out", { ...notTTY, shorthand: false }), usageError(/invalid value "out"/));
    // A lone key=value is not a directory name (buildx would make a dir called "dest=out").
    assert.throws(() => parseOutput("dest=out", notTTY), usageError(/--output requires type=<type>/));
  });

  test("CSV quoting, lower-cased keys, verbatim values, last duplicate wins", () => {
    assert.deepEqual(parseOutput('type=image,"name=a/b:1,a/b:2",PUSH=true,Compression=Zstd,push=false', notTTY), {
      type: "image",
      attrs: { name: "a/b:1,a/b:2", push: "false", compression: "Zstd" },
    });
    assert.deepEqual(parseOutput("TYPE=local,DEST=o,platform-split=false,mode=delete", notTTY), {
      type: "local",
      attrs: { "platform-split": "false", mode: "delete" },
      target: { kind: "dir", path: "o", mode: "delete", exporter: "local" },
    });
    assert.deepEqual(parseOutput("type=local,dest=a=b", notTTY).target, { kind: "dir", path: "a=b", mode: "copy", exporter: "local" });
    // `dest=` on an exporter without a target stays an attr, as output.go leaves it.
    assert.deepEqual(parseOutput("type=image,dest=", notTTY), { type: "image", attrs: { dest: "" } });
    // tar=false on oci/docker is a directory target we do not support; tar=<not a bool> means tar.
    assert.equal(parseOutput("type=oci,tar=maybe,dest=x.tar", notTTY).target?.kind, "file");
  });

  test("bad values are one-line UsageErrors naming the flag", (t) => {
    const dir = tmp(t);
    const file = path.join(dir, "f");
    writeFileSync(file, "");
    const cases: [string, RegExp][] = [
      ["", /empty value/],
      ["type=local", /output directory is required for local exporter/],
      ["type=local,dest", /invalid value "dest": want key=value/],
      ["dest=out,name=x", /--output requires type=<type>/],
      ["type=local,dest=o,output=x", /output=x not supported for --output, you meant dest=x\?/],
      ["type=image,dest=x", /output x is not supported by image exporter/],
      ["type=LOCAL,dest=x", /output x is not supported by LOCAL exporter/],
      [`type=tar,dest=${dir}`, /destination file is a directory/],
      [`type=local,dest=${file}`, /exists and is not a directory/],
      [`type=tar,dest=${path.join(dir, "missing", "x.tar")}`, /does not exist/],
      ["type=oci,tar=false,dest=layout", /tar=false .* not supported/],
      ["type=docker,tar=false", /output directory is required for docker exporter/],
      ["type=local,dest=o,mode=bogus", /invalid local exporter mode "bogus"/],
      ['type=local,"dest=o', /extraneous or missing " in quoted-field/],
      ['type=local,de"st=o', /bare " in non-quoted-field/],
    ];
    for (const [v, re] of cases) assert.throws(() => parseOutputs([v], notTTY), usageError(re), v);
    assert.throws(() => parseOutputs(["-", "type=oci,dest=-"], notTTY), usageError(/only one output can write to stdout/));
    assert.throws(() => parseOutput("type=local", { ...notTTY, flag: "-o" }), usageError(/required/, "-o"));
  });

  test("exporter indices follow the order of the flags", () => {
    const r = parseOutputs(["type=image,name=x", "type=local,dest=a", "type=tar,dest=b.tar"], notTTY);
    assert.deepEqual(
      r.exports.map((e) => e.type),
      ["image", "local", "tar"],
    );
    assert.deepEqual(
      r.outputs.map((o) => o.target?.kind),
      [undefined, "dir", "file"],
    );
  });
});
