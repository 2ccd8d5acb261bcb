import { test } from "node:test";
import assert from "node:assert/strict";
import { frontendEnv, readFrontendEnv } from "./env.js";
import { checkFrontendCaps } from "./frontend.js";

test("BUILDKIT_FRONTEND_OPT_* split at the first '=', as Go's grpcclient does", () => {
  const env = readFrontendEnv({
    BUILDKIT_FRONTEND_OPT_1: "filename=Dockerfile",
    BUILDKIT_FRONTEND_OPT_0: "build-arg:A=b=c",
    BUILDKIT_FRONTEND_OPT_7: "no-cache",
    BUILDKIT_FRONTEND_OPT_3: "no-cache-filter=",
    BUILDKIT_SESSION_ID: "sess",
    BUILDKIT_WORKERS: '[{"id":"w","platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"arm","os":"linux","variant":"v7"}]}]',
    OTHER: "x=y",
  });
  assert.deepEqual(env.opts, { filename: "Dockerfile", "build-arg:A": "b=c", "no-cache": "", "no-cache-filter": "" });
  assert.equal(env.sessionID, "sess");
  assert.deepEqual(env.workerPlatforms, [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm", variant: "v7" }]);
  assert.deepEqual(readFrontendEnv(frontendEnv({ a: "1", "b:c": "x=y" }, "s")).opts, { a: "1", "b:c": "x=y" });
  assert.deepEqual(readFrontendEnv({ BUILDKIT_WORKERS: "not json" }).workerPlatforms, []);
});

test("frontend.caps: our caps and +forward ones pass, others fail", () => {
  checkFrontendCaps("moby.buildkit.frontend.subrequests,moby.buildkit.frontend.inputs,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring");
  checkFrontendCaps("moby.buildkit.frontend.other+forward");
  checkFrontendCaps(undefined);
  assert.throws(() => checkFrontendCaps("moby.buildkit.frontend.nosuchcap"), /unsupported frontend capability moby.buildkit.frontend.nosuchcap/);
});
