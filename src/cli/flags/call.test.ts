import assert from "node:assert/strict";
import { test } from "node:test";
import { callOutput, parseCallFlag } from "./call.js";

const enc = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));

test("--call as buildx parses it: NAME[,format=F][,ignorestatus=BOOL]; check is lint; build is no call", () => {
  assert.equal(parseCallFlag("build"), undefined);
  assert.equal(parseCallFlag(""), undefined);
  assert.deepEqual(parseCallFlag("check"), { name: "lint", format: "", ignoreStatus: false });
  assert.deepEqual(parseCallFlag("outline,format=json"), { name: "outline", format: "json", ignoreStatus: false });
  assert.deepEqual(parseCallFlag("check,ignorestatus=true"), { name: "lint", format: "", ignoreStatus: true });
  assert.throws(() => parseCallFlag("targets,outline"), /invalid print value: targets,outline/);
  assert.throws(() => parseCallFlag("targets,colour=red"), /invalid print field: colour=red/);
  assert.throws(() => parseCallFlag("check,ignorestatus=maybe"), /invalid ignorestatus print value: maybe/);
});

test("--call output as buildx prints it: result.txt or result.json; lint counts, no-warnings line, status and build error", () => {
  const targets = enc({ "result.json": '{"targets":[]}', "result.txt": "TARGET DESCRIPTION\n", version: "1.0.0" });
  assert.deepEqual(callOutput({ name: "targets", format: "", ignoreStatus: false }, targets), { stdout: "TARGET DESCRIPTION\n", status: 0 });
  assert.deepEqual(callOutput({ name: "targets", format: "json", ignoreStatus: false }, targets), { stdout: '{"targets":[]}\n', status: 0 });

  const clean = enc({ "result.json": '{"warnings":[],"sources":[]}', "result.txt": "", "result.statuscode": "0" });
  assert.deepEqual(callOutput({ name: "lint", format: "", ignoreStatus: false }, clean), { stdout: "Check complete, no warnings found.\n", status: 0 });

  const two = enc({ "result.json": '{"warnings":[{"ruleName":"A"},{"ruleName":"B"}],"sources":[]}', "result.txt": "\nWARNING: A\n\nWARNING: B\n", "result.statuscode": "1" });
  assert.deepEqual(callOutput({ name: "lint", format: "", ignoreStatus: false }, two), { stdout: "Check complete, 2 warnings have been found!\n\nWARNING: A\n\n\nWARNING: B\n\n", status: 1 });
  assert.equal(callOutput({ name: "lint", format: "", ignoreStatus: true }, two).status, 0);
  // The excerpts name the Dockerfile as the user gave it (buildx's DockerfileMappingSrc).
  const src = Buffer.from("from scratch AS base\n").toString("base64");
  const one = enc({ "result.json": JSON.stringify({ warnings: [{ ruleName: "FromAsCasing", detail: "d", location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] } }], sources: [{ filename: "Dockerfile", data: src }] }), "result.statuscode": "1" });
  assert.match(callOutput({ name: "lint", format: "", ignoreStatus: false }, one, "sub/Dockerfile").stdout, /^Check complete, 1 warning has been found!\n\nWARNING: FromAsCasing\nd\nsub\/Dockerfile:1\n/);

  const data = Buffer.from("FROM alpine\nFORM x\n").toString("base64");
  const broken = enc({
    "result.json": JSON.stringify({ warnings: [], sources: [{ filename: "Dockerfile", data }], buildError: { message: "dockerfile parse error on line 2: unknown instruction: FORM", location: { sourceIndex: 0, ranges: [{ start: { line: 2 }, end: { line: 2 } }] } } }),
    "result.txt": "",
    "result.statuscode": "1",
  });
  const out = callOutput({ name: "lint", format: "", ignoreStatus: false }, broken);
  assert.equal(out.status, 1);
  assert.equal(out.stdout, "");
  assert.match(out.error!, /^dockerfile parse error on line 2: unknown instruction: FORM\nDockerfile:2\n-+\n {3}1 \| {5}FROM alpine\n {3}2 \| >>> FORM x\n/);
});
