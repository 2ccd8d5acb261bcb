import { test } from "node:test";
import assert from "node:assert/strict";
import { monitorEventLines } from "./history.js";

test("monitorEventLines: buildctl debug monitor's lines for an event, result maps in key order", () => {
  assert.equal(monitorEventLines({ type: 0, record: { Ref: "r1" } }), "event: STARTED ref:r1\n");
  const d = (digest: string) => ({ media_type: "application/vnd.oci.image.manifest.v1+json", digest, size: 10 });
  const lines = monitorEventLines({
    type: 1,
    record: {
      Ref: "r2",
      numCachedSteps: 2,
      numTotalSteps: 5,
      numWarnings: 1,
      logs: { media_type: "application/vnd.buildkit.status.v0", digest: "sha256:l", size: 7 },
      trace: { media_type: "application/vnd.buildkit.otlp.json.v0", digest: "sha256:t", size: 8 },
      Result: { Results: { "1": d("sha256:b"), "0": d("sha256:a") }, Attestations: [d("sha256:att")] },
      Results: { "linux/arm64": { ResultDeprecated: d("sha256:arm") }, "linux/amd64": { ResultDeprecated: d("sha256:amd") } },
    },
  });
  const m = 'media_type:"application/vnd.oci.image.manifest.v1+json"';
  assert.equal(
    lines,
    [
      "event: COMPLETE ref:r2",
      "  cache: 2/5",
      "  warnings: 1",
      '  logs: media_type:"application/vnd.buildkit.status.v0" digest:"sha256:l" size:7',
      '  trace: media_type:"application/vnd.buildkit.otlp.json.v0" digest:"sha256:t" size:8',
      `  descriptor: ${m} digest:"sha256:a" size:10`,
      `  descriptor: ${m} digest:"sha256:b" size:10`,
      `  attestation: ${m} digest:"sha256:att" size:10`,
      `  [linux/amd64] descriptor: ${m} digest:"sha256:amd" size:10`,
      `  [linux/arm64] descriptor: ${m} digest:"sha256:arm" size:10`,
      "",
    ].join("\n"),
  );
  assert.equal(monitorEventLines({ type: 2, record: { Ref: "r3", numTotalSteps: 0 } }), "event: DELETED ref:r3\n");
});
