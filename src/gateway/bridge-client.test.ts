import { test } from "node:test";
import assert from "node:assert/strict";

import { moby } from "../proto/index.js";
import { BridgeGatewayClient, LLB_BRIDGE } from "./bridge-client.js";
import type { GatewayTransport } from "./transport.js";

const gw = moby.buildkit.v1.frontend;

/** A transport answering one method with `response` and recording the request bytes. */
function transport(method: string, response: Uint8Array, seen: Uint8Array[]): GatewayTransport {
  return {
    async unary(m, request) {
      assert.equal(m, LLB_BRIDGE + method);
      seen.push(request);
      return response;
    },
  };
}

test("Warn carries the message, detail, url, the source file and its ranges", async () => {
  const seen: Uint8Array[] = [];
  const c = new BridgeGatewayClient(transport("Warn", gw.WarnResponse.encode({}).finish(), seen), { workerPlatforms: [], sessionID: "s" });
  await c.warn("sha256:abc", {
    level: 1,
    message: "JSONArgsRecommended: ... (line 3)",
    detail: [new TextEncoder().encode("JSON arguments recommended")],
    url: "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
    source: { filename: "Dockerfile", language: "Dockerfile", data: new TextEncoder().encode("FROM scratch\n") },
    ranges: [{ start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }],
  });
  const req = gw.WarnRequest.decode(seen[0]!);
  assert.equal(req.digest, "sha256:abc");
  assert.equal(Number(req.level), 1);
  assert.equal(new TextDecoder().decode(req.short), "JSONArgsRecommended: ... (line 3)");
  assert.equal(req.info?.filename, "Dockerfile");
  assert.equal(req.ranges[0]?.start?.line, 3);
  assert.equal(req.url, "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/");
});

test("ResolveSourceMeta: the git commit object and the http Last-Modified time", async () => {
  const seen: Uint8Array[] = [];
  const response = gw.ResolveSourceMetaResponse.encode({
    Git: { CommitObject: new TextEncoder().encode("tree x\ncommitter A <a@b> 1700000000 +0000\n") },
    HTTP: { LastModified: { seconds: 1700000001, nanos: 500_000_000 } },
  }).finish();
  const c = new BridgeGatewayClient(transport("ResolveSourceMeta", response, seen), { workerPlatforms: [], sessionID: "s" });
  const md = await c.resolveSourceMetadata({ identifier: "git://example/repo", attrs: { "git.fullurl": "https://example/repo" } }, { logName: "[internal] x", gitReturnObject: true });
  assert.match(new TextDecoder().decode(md.gitCommitObject), /committer A/);
  assert.equal(md.httpLastModified?.getTime(), 1700000001500);
  const req = gw.ResolveSourceMetaRequest.decode(seen[0]!);
  assert.equal(req.Source?.identifier, "git://example/repo");
  assert.equal(req.Git?.ReturnObject, true);
  assert.equal(req.LogName, "[internal] x");
});

test("ResolveImageConfig: a registry lookup sends its resolve mode, an OCI layout lookup the resolver type, store and session", async () => {
  const seen: Uint8Array[] = [];
  const response = gw.ResolveImageConfigResponse.encode({ Ref: "", Digest: "sha256:" + "2".repeat(64), Config: new TextEncoder().encode("{}") }).finish();
  const c = new BridgeGatewayClient(transport("ResolveImageConfig", response, seen), { workerPlatforms: [], sessionID: "client-session" });
  const reg = await c.resolveImageConfig("docker.io/library/busybox:latest", { platform: { os: "linux", architecture: "arm64" }, resolveMode: "pull" });
  assert.equal(reg.ref, "docker.io/library/busybox:latest");
  assert.equal(reg.digest, "sha256:" + "2".repeat(64));
  const r0 = gw.ResolveImageConfigRequest.decode(seen[0]!);
  assert.equal(r0.ResolveMode, "pull");
  assert.equal(Number(r0.ResolverType), 0);
  assert.equal(r0.StoreID, "");
  assert.equal(r0.LogName, "[internal] load metadata for docker.io/library/busybox:latest (linux/arm64)");
  const dummy = "docker.io/library/base@sha256:" + "3".repeat(64);
  await c.resolveImageConfig(dummy, { platform: undefined, resolveMode: "default", logName: "[context base] load metadata for " + dummy, ociStore: { sessionID: "store-session", storeID: "busybox-oci" } });
  const r1 = gw.ResolveImageConfigRequest.decode(seen[1]!);
  assert.equal(r1.Ref, dummy);
  assert.equal(Number(r1.ResolverType), 1);
  assert.equal(r1.StoreID, "busybox-oci");
  assert.equal(r1.SessionID, "store-session");
  assert.equal(r1.ResolveMode, "");
  assert.equal(r1.Platform, null);
  assert.equal(r1.LogName, "[context base] load metadata for " + dummy);
});

test("Return sends the attestations by platform (kind, metadata, ref, path, predicate type, subjects); Solve reads them back", async () => {
  const seen: Uint8Array[] = [];
  const c = new BridgeGatewayClient(transport("Return", gw.ReturnResponse.encode({}).finish(), seen), { workerPlatforms: [], sessionID: "s" });
  const att = {
    kind: "bundle" as const,
    metadata: { reason: new TextEncoder().encode("sbom") },
    ref: { id: "scan-1" },
    path: "",
    inToto: { predicateType: "https://spdx.dev/Document", subjects: [{ kind: "raw" as const, name: "x", digest: ["sha256:" + "1".repeat(64)] }] },
  };
  await c.return({ refs: { "linux/amd64": { id: "img-1" } }, metadata: {}, attestations: { "linux/amd64": [att] } });
  const req = gw.ReturnRequest.decode(seen[0]!);
  const pb = req.result!.attestations!["linux/amd64"]!.attestation![0]!;
  assert.equal(pb.kind, gw.AttestationKind.Bundle);
  assert.equal(pb.ref?.id, "scan-1");
  assert.equal(pb.inTotoPredicateType, "https://spdx.dev/Document");
  assert.equal(pb.inTotoSubjects?.[0]?.kind, gw.InTotoSubjectKind.Raw);
  assert.equal(new TextDecoder().decode(pb.metadata?.["reason"]), "sbom");

  // A frontend's result solved through this client keeps them (forwarding returns them on).
  const res = gw.SolveResponse.encode({ result: { ref: { id: "r" }, metadata: {}, attestations: req.result!.attestations } }).finish();
  const s = new BridgeGatewayClient(transport("Solve", res, []), { workerPlatforms: [], sessionID: "s" });
  const solved = await s.solve({ frontend: "gateway.v0" });
  const back = solved.attestations?.["linux/amd64"]?.[0];
  assert.deepEqual({ ...back, metadata: { reason: Buffer.from(back!.metadata["reason"]!).toString() } }, { ...att, metadata: { reason: "sbom" } });
});
