import { test } from "node:test";
import assert from "node:assert/strict";

import { google } from "../proto/index.js";
import { decodeErrorDetails, encodeErrorDetails, encodeErrorStatus, ErrorDetailType, withErrorDetails, type BuildkitErrorDetails } from "./errdefs.js";

const utf8 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString("utf8");
const statusBytes = (s: google.rpc.Status.$Properties) => google.rpc.Status.encode(s).finish();

test("a Source detail is encoded as Go's json.Marshal of errdefs.Source, under buildkit's type URL", () => {
  const [any] = encodeErrorDetails({
    sources: [{ filename: "Dockerfile", language: "Dockerfile", data: Buffer.from("FROM x\nRUN a\nFOO\n"), ranges: [{ start: 3, end: 3 }] }],
  });
  assert.equal(any!.type_url, "github.com/moby/buildkit/errdefs.Source+json");
  assert.equal(
    utf8(any!.value),
    `{"info":{"filename":"Dockerfile","data":"${Buffer.from("FROM x\nRUN a\nFOO\n").toString("base64")}","language":"Dockerfile"},"ranges":[{"start":{"line":3},"end":{"line":3}}]}`,
  );
});

test("encoding matches Go (grpcerrors.ToGRPC of WithSource(WrapVertex(err)), buildkit v0.32.2): HTML escaping, characters, order", () => {
  // Go: errors.New("boom <&>") wrapped with the vertex sha256:abc, then a Source
  // {build<1>.ts, "line1\nline2\nline3\n", TypeScript, 3:0-4:2} (as the daemon wraps a
  // vertex error with its locations); proto.Marshal of the status, base64.
  const go =
    "CAISCGJvb20gPCY+GtcBCixnaXRodWIuY29tL21vYnkvYnVpbGRraXQvZXJyZGVmcy5Tb3VyY2UranNvbhKmAXsiaW5mbyI6eyJmaWxlbmFtZSI6ImJ1aWxkXHUwMDNjMVx1MDAzZS50cyIsImRhdGEiOiJiR2x1WlRFS2JHbHVaVElLYkdsdVpUTUsiLCJsYW5ndWFnZSI6IlR5cGVTY3JpcHQifSwicmFuZ2VzIjpbeyJzdGFydCI6eyJsaW5lIjozfSwiZW5kIjp7ImxpbmUiOjQsImNoYXJhY3RlciI6Mn19XX0aRwosZ2l0aHViLmNvbS9tb2J5L2J1aWxka2l0L2VycmRlZnMuVmVydGV4K2pzb24SF3siZGlnZXN0Ijoic2hhMjU2OmFiYyJ9";
  const status = encodeErrorStatus(
    withErrorDetails(new Error("boom <&>"), {
      vertex: "sha256:abc",
      sources: [{ filename: "build<1>.ts", language: "TypeScript", data: Buffer.from("line1\nline2\nline3\n"), ranges: [{ start: 3, end: 4, endCharacter: 2 }] }],
    }),
  );
  assert.equal(status.code, 2);
  assert.equal(status.message, "boom <&>");
  assert.deepEqual(
    status.details!.map((d) => [d.type_url, utf8(d.value)]),
    [
      [ErrorDetailType.source, `{"info":{"filename":"build\\u003c1\\u003e.ts","data":"bGluZTEKbGluZTIKbGluZTMK","language":"TypeScript"},"ranges":[{"start":{"line":3},"end":{"line":4,"character":2}}]}`],
      [ErrorDetailType.vertex, `{"digest":"sha256:abc"}`],
    ],
  );
  assert.equal(Buffer.from(statusBytes(status)).toString("base64"), go);
});

test("decode(encode(details)) gives the details back, unknown ones kept as they came", () => {
  const details: BuildkitErrorDetails = {
    grpcCode: 9,
    vertex: "sha256:" + "a".repeat(64),
    exitCode: 3,
    sources: [
      { filename: "build.ts", language: "TypeScript", data: Buffer.from("a\nb\n"), ranges: [{ start: 1, end: 2, startCharacter: 4 }] },
      { filename: "other.ts", ranges: [], definition: { def: ["AAA="], metadata: { "sha256:x": { description: { "llb.customname": "<x>" } } } } },
    ],
    other: [{ typeUrl: "github.com/moby/buildkit/stack.Stack+json", value: new TextEncoder().encode('{"frames":[{"Name":"main"}]}') }],
  };
  const err = withErrorDetails(new Error("failed"), details);
  const status = encodeErrorStatus(err);
  assert.equal(status.code, 9);
  const back = decodeErrorDetails(statusBytes(status));
  const { grpcCode: _code, ...rest } = details;
  assert.deepEqual(back, rest);
  // Encoding what was decoded gives the same bytes again.
  assert.deepEqual(statusBytes(encodeErrorStatus(withErrorDetails(new Error("failed"), { ...back, grpcCode: 9 }))), statusBytes(status));
});

test("details an error already carries win over the ones added (a solve error keeps the daemon's sources)", () => {
  const daemonError = Object.assign(new Error("process did not complete"), { details: { vertex: "sha256:v", sources: [{ filename: "a.ts", ranges: [{ start: 7, end: 7 }] }] } });
  const e = withErrorDetails(daemonError, { sources: [{ filename: "build.ts", ranges: [{ start: 1, end: 1 }] }] });
  assert.equal(e.details.sources![0]!.filename, "a.ts");
  assert.equal(e.details.vertex, "sha256:v");
  assert.equal(e.cause, daemonError);
});

test("decoding tolerates garbage and reads the exit message", () => {
  assert.deepEqual(decodeErrorDetails(undefined), {});
  assert.deepEqual(decodeErrorDetails(Buffer.from([0xff, 0xff, 0xff])), {});
  const bin = statusBytes({ code: 2, message: "x", details: [{ type_url: ErrorDetailType.exit, value: Buffer.from('{"Code":137}') }] });
  assert.equal(decodeErrorDetails(bin).exitCode, 137);
});
