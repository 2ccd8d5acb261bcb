import { test } from "node:test";
import assert from "node:assert/strict";
import { moby } from "../proto/index.js";
import { parseSourcePolicy } from "./source-policy.js";

test("reads buildctl's JSON form: enum names or numbers, case-insensitive keys, unknown keys ignored", () => {
  const p = parseSourcePolicy(
    JSON.stringify({
      version: 1,
      Rules: [
        { action: "CONVERT", selector: { identifier: "docker-image://alpine:*", match_type: "WILDCARD" }, updates: { identifier: "docker-image://alpine:3.20", attrs: { a: "b" } }, extra: 1 },
        { action: 1, selector: { identifier: "docker-image://x", constraints: [{ key: "k", value: "v", condition: "MATCHES" }] } },
      ],
    }),
  );
  assert.deepEqual(p, {
    version: 1,
    rules: [
      { action: 2, selector: { identifier: "docker-image://alpine:*", match_type: 0, constraints: [] }, updates: { identifier: "docker-image://alpine:3.20", attrs: { a: "b" } } },
      { action: 1, selector: { identifier: "docker-image://x", match_type: 0, constraints: [{ key: "k", value: "v", condition: 2 }] } },
    ],
  });
  // It encodes as the proto message.
  const bytes = moby.buildkit.v1.sourcepolicy.Policy.encode(p).finish();
  assert.equal(moby.buildkit.v1.sourcepolicy.Policy.decode(bytes).rules.length, 2);
});

test("rejects what Go's json.Unmarshal rejects, naming the field", () => {
  assert.throws(() => parseSourcePolicy("{"), SyntaxError);
  assert.throws(() => parseSourcePolicy('{"rules":[{"action":"BLOCK"}]}'), /rules\[0\]\.action: unrecognized enum PolicyAction value "BLOCK"/);
  assert.throws(() => parseSourcePolicy('{"rules":[{"action":7}]}'), /invalid PolicyAction value: 7/);
  assert.throws(() => parseSourcePolicy('{"rules":{}}'), /rules: want an array/);
  assert.throws(() => parseSourcePolicy('{"rules":[{"selector":{"identifier":3}}]}'), /rules\[0\]\.selector\.identifier: want a string/);
});
