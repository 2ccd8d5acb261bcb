/**
 * The frontend image's warm-up (Dockerfile.frontend runs the entrypoint once
 * with TSF_FRONTEND_WARMUP=1 at image build time): two builds run in this
 * process against an in-memory LLBBridge, a TypeScript program and a
 * multi-stage Dockerfile for two platforms, through the same code a real
 * request runs (options, build file, program loading, the runner, the
 * Dockerfile converter, marshalling, the bridge client's encoding). After it,
 * main.ts writes V8's code cache of the bundle with all that compiled into the
 * image, so a real request starts with compiled code. It also proves the
 * bundle works before the image is pushed: a build that fails here fails the
 * image build.
 */

import { Caps } from "../llb/index.js";
import { moby } from "../proto/index.js";
import { GrpcCode } from "../internal/grpc/status.js";
import type { GatewayTransport } from "../gateway/transport.js";
import { frontendEnv, readFrontendEnv } from "./env.js";
import { runFrontend } from "./frontend.js";

const gw = moby.buildkit.v1.frontend;

/** The gateway caps buildkitd v0.32.2 announces (frontend/gateway/pb/caps.go). */
const GATEWAY_CAPS = [
  "solve.base", "solve.inlinereturn", "resolveimage", "resolveimage.resolvemode", "readfile", "return", "returnmap", "readdir", "statfile",
  "importcaches", "proto.refarray", "reference.output", "frontend.inputs", "gateway.solve.metadata", "gateway.exec", "gateway.exec.extrahosts",
  "gateway.exec.secretenv", "gateway.exec.signals", "gateway.exec.filesystem", "frontend.caps", "gateway.solve.evaluate", "gateway.evaluate",
  "gateway.warnings", "reference.attestations", "source.metaresolver", "source.metaresolver.image.attestations", "source.metaresolver.http.checksumrequest",
];

const PROGRAM = `// syntax=tsfrontend
import { copy, image, scratch } from "tsfrontend/llb";
import type { BuildContext } from "tsfrontend/program";

export const targets = { default: { description: "the warm-up image", default: true } };

export default (ctx: BuildContext) =>
  ctx.perPlatform((target, args) => {
    const base = ctx.buildArgs["BASE"] ?? "busybox";
    const work = image(base, { platform: target })
      .addEnv("TARGETARCH", args.TARGETARCH)
      .dir("/work")
      .run({ args: ["/bin/sh", "-c", "mkdir -p /out && echo $TARGETARCH >/out/arch"] })
      .root();
    const state = scratch().file(copy(work, "/out", "/out", { createDestPath: true }).mkdir("/tmp", 0o1777));
    return { state, base, config: { User: "1000", Labels: { "org.opencontainers.image.title": "warm-up" } } };
  });
`;

const DOCKERFILE = `# check=error=false
ARG BASE=busybox
FROM --platform=$BUILDPLATFORM $BASE AS build
ARG TARGETOS TARGETARCH
ENV CGO_ENABLED=0
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache echo "$TARGETOS/$TARGETARCH" > /out.txt

FROM $BASE
LABEL org.opencontainers.image.title="warm-up"
RUN adduser -D -u 10000 app
COPY --from=build --chown=10000:10000 /out.txt /app/
USER 10000
EXPOSE 8080
HEALTHCHECK CMD ["/bin/true"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/out.txt"]
`;

const IMAGE_CONFIG = JSON.stringify({
  architecture: "amd64",
  os: "linux",
  config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
  rootfs: { type: "layers", diff_ids: ["sha256:" + "1".repeat(64)] },
  history: [{ created_by: "warm-up" }],
});

/** A transport answering like buildkitd with one file, `name`, in the build file's local. Its Return is kept. */
function bridge(name: string, data: string, returned: { error?: string; ok?: boolean }): GatewayTransport {
  let refs = 0;
  const encoder = new TextEncoder();
  const notFound = Object.assign(new Error("no such file"), { details: { grpcCode: GrpcCode.NOT_FOUND } });
  return {
    async unary(method, request) {
      switch (method.slice(method.lastIndexOf("/") + 1)) {
        case "Ping":
          return gw.PongResponse.encode({
            FrontendAPICaps: GATEWAY_CAPS.map((ID) => ({ ID, Enabled: true })),
            LLBCaps: Object.values(Caps).map((ID) => ({ ID, Enabled: true })),
            Workers: [{ ID: "warm-up", platforms: [{ OS: "linux", Architecture: "amd64" }, { OS: "linux", Architecture: "arm64" }] }],
          }).finish();
        case "Inputs":
          return gw.InputsResponse.encode({}).finish();
        case "Solve":
          return gw.SolveResponse.encode({ result: { ref: { id: `warm-up-${++refs}` } } }).finish();
        case "ReadFile": {
          const req = gw.ReadFileRequest.decode(request);
          if (req.FilePath !== name) throw notFound;
          return gw.ReadFileResponse.encode({ Data: encoder.encode(data) }).finish();
        }
        case "ResolveImageConfig":
          return gw.ResolveImageConfigResponse.encode({ Digest: "sha256:" + "2".repeat(64), Config: encoder.encode(IMAGE_CONFIG) }).finish();
        case "Warn":
          return gw.WarnResponse.encode({}).finish();
        case "Return": {
          const req = gw.ReturnRequest.decode(request);
          if (req.error) returned.error = req.error.message ?? "error";
          else returned.ok = true;
          return gw.ReturnResponse.encode({}).finish();
        }
        default:
          throw Object.assign(new Error(`${method}: not served by the warm-up`), { details: { grpcCode: GrpcCode.UNIMPLEMENTED } });
      }
    },
  };
}

/** Builds `data` as the build file `name` (two platforms) against the in-memory bridge; rejects unless a result is returned. */
export async function warmUpBuild(name: string, data: string): Promise<void> {
  const returned: { error?: string; ok?: boolean } = {};
  const env = readFrontendEnv(frontendEnv({ filename: name, platform: "linux/amd64,linux/arm64", "build-arg:BASE": "busybox:latest" }, "warm-up"));
  await runFrontend({ transport: bridge(name, data, returned), env });
  if (!returned.ok) throw new Error(`warm-up build of ${name} failed: ${returned.error ?? "no result returned"}`);
}

/** Runs the warm-up builds, a program and a Dockerfile; rejects if one does not return a result. */
export async function warmUp(): Promise<void> {
  await warmUpBuild("build.ts", PROGRAM);
  await warmUpBuild("Dockerfile", DOCKERFILE);
}
