/**
 * Running the frontend (dist/src/frontend/main.js) without an image: buildkitd
 * cannot start a local process as a frontend, so the test starts a client-side
 * build (as `tsfrontend build -f` does: Control.Solve with a gateway callback)
 * and spawns the frontend with its stdin/stdout on a unix socket to a small
 * HTTP/2 server here, which forwards each LLBBridge call to the daemon over
 * the control connection with the build's `buildkit-controlapi-buildid`
 * (statuses and their details go back verbatim). The daemon answers the
 * frontend's calls as it would inside a container; the frontend's `Return`
 * ends the build. Every call is recorded, and the `Return` request decoded.
 */

import { spawn } from "node:child_process";
import { createServer, constants, type ServerHttp2Stream } from "node:http2";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { BuildkitConnection } from "../../../src/client/connection.js";
import { sessionServices } from "../../../src/client/session-services.js";
import { solve, type SolveResult } from "../../../src/client/solve.js";
import { parseOutputs } from "../../../src/cli/flags/outputs.js";
import { frontendEnv } from "../../../src/frontend/env.js";
import { encodeFrame, FrameDecoder } from "../../../src/internal/grpc/frame.js";
import type { GrpcCallError } from "../../../src/internal/grpc/status.js";
import type { Definition } from "../../../src/llb/index.js";
import { moby } from "../../../src/proto/index.js";
import { repoRoot, requireEnv, tempDir } from "./env.js";

export interface LoopbackBuild {
  /** Frontend options (the frontend sees them as `BUILDKIT_FRONTEND_OPT_*`). */
  opts: Record<string, string>;
  /** Local directories by name (`dockerfile`, `context`...). */
  locals: Record<string, string>;
  /** buildctl-style `--output` values. */
  outputs?: string[];
  /** Frontend inputs (buildx sends `-f -` as the input `dockerfile`). */
  inputs?: Record<string, Definition>;
  /** Extra environment for the frontend process. */
  env?: Record<string, string>;
}

export interface LoopbackResult {
  /** The build's result, or its error. */
  result?: SolveResult;
  error?: Error;
  /** LLBBridge methods the frontend called, in order. */
  calls: string[];
  /** The frontend's Return request. */
  returned?: moby.buildkit.v1.frontend.ReturnRequest;
  stderr: string;
  exitCode: number | null;
}


/** Builds through the frontend process with the daemon of the e2e environment. */
export async function buildThroughFrontend(b: LoopbackBuild): Promise<LoopbackResult> {
  const env = requireEnv();
  const conn = new BuildkitConnection(env.buildkitHost);
  const tmp = tempDir("fe-loop-");
  const out: LoopbackResult = { calls: [], stderr: "", exitCode: null };
  // The daemon fails the solve as soon as the frontend returns an error, before the process has exited.
  let childExit: Promise<unknown> = Promise.resolve();
  const outputs = parseOutputs(b.outputs ?? [], {});
  try {
    const locals = new Map(Object.entries(b.locals).map(([k, dir]) => [k, { dir }]));
    const request = await sessionServices({ locals, fileSend: { targets: outputs.map((o) => o.target) } });
    out.result = await solve(conn, {
      exports: outputs.map((o) => ({ type: o.type, attrs: o.attrs })),
      requestServices: request,
      ...(b.inputs ? { frontendInputs: b.inputs } : {}),
      gateway: async (ref, session) => {
        const sock = join(tmp.dir, "bridge.sock");
        const server = createServer();
        server.on("stream", (stream: ServerHttp2Stream, headers) => forward(conn, ref, stream, String(headers[constants.HTTP2_HEADER_PATH]), out));
        await new Promise<void>((r) => server.listen(sock, r));
        const socket = netConnect(sock);
        await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
        const child = spawn(process.execPath, [join(repoRoot, "dist/src/frontend/main.js")], {
          stdio: [socket, socket, "pipe"],
          env: { ...process.env, ...frontendEnv(b.opts, session.id), ...(b.env ?? {}) },
        });
        socket.destroy(); // the child holds its own copy of the fd
        child.stderr!.on("data", (d: Buffer) => (out.stderr += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
        const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
        childExit = exited.then((code) => {
          out.exitCode = code;
          clearTimeout(timer);
          server.close();
        });
        await childExit;
      },
    });
    await request.fileSend?.commit?.();
  } catch (err) {
    out.error = err as Error;
  } finally {
    await childExit;
    conn.close();
    tmp.remove();
  }
  return out;
}

/** One unary call from the frontend, forwarded to the daemon. */
function forward(conn: BuildkitConnection, buildRef: string, stream: ServerHttp2Stream, path: string, out: LoopbackResult): void {
  const decoder = new FrameDecoder();
  const messages: Buffer[] = [];
  stream.on("data", (c: Buffer) => decoder.push(c, (m) => messages.push(Buffer.from(m))));
  stream.on("end", () => {
    const method = path.slice(path.lastIndexOf("/") + 1);
    out.calls.push(method);
    if (method === "Return") out.returned = moby.buildkit.v1.frontend.ReturnRequest.decode(messages[0]!);
    const metadata = { "buildkit-controlapi-buildid": buildRef };
    conn.channel.unary(path, messages[0] ?? Buffer.alloc(0), { metadata }).then(
      (res) => {
        if (stream.destroyed) return;
        stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(encodeFrame(res));
      },
      (err: GrpcCallError) => {
        if (stream.destroyed) return;
        stream.respond({
          [constants.HTTP2_HEADER_STATUS]: 200,
          "content-type": "application/grpc",
          "grpc-status": String(err.code),
          "grpc-message": encodeURIComponent(err.details),
          ...(err.statusDetails ? { "grpc-status-details-bin": err.statusDetails.toString("base64") } : {}),
        }, { endStream: true });
      },
    );
  });
}
