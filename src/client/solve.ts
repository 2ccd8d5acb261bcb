/**
 * One build: open the session, call `Control.Solve` and stream
 * `Control.Status` at the same time, optionally run a client-side gateway
 * program against the same build (as Go's `client.Build`), then close the
 * session. Mirrors Go's `client.solve`.
 */

import { randomID } from "../llb/identity.js";
import type { Definition } from "../llb/index.js";
import { moby, pb } from "../proto/index.js";
import { MAX_MESSAGE_BYTES, type BuildkitConnection } from "./connection.js";
import { BuildkitError, mapGrpcError, messageTooLarge } from "./errors.js";
import { Session } from "./session/session.js";
import type { SessionService } from "./session/service.js";
import { ConnectionWatchdog, connectionLost, type WatchdogOptions } from "./watchdog.js";
import type { SecretSource } from "./session/secrets.js";
import { sessionServices, type RequestServices } from "./session-services.js";
import { toPbDefinition } from "../gateway/definition.js";

const control = moby.buildkit.v1;

export interface ExportEntry {
  type: string;
  attrs: Record<string, string>;
}

export interface CacheEntry {
  type: string;
  attrs: Record<string, string>;
}

export interface SolveOptions {
  /** A marshalled graph to build. Exclusive with `frontend` and `gateway`. */
  definition?: Definition;
  /** A frontend such as `dockerfile.v0` or `gateway.v0`. */
  frontend?: string;
  frontendAttrs?: Record<string, string>;
  frontendInputs?: Record<string, Definition>;
  exports?: ExportEntry[];
  cacheExports?: CacheEntry[];
  cacheImports?: CacheEntry[];
  entitlements?: string[];
  /** Services the session hosts (file sync, file send, auth, secrets, ssh). */
  sessionServices?: SessionService[];
  /**
   * The request's services assembled by `sessionServices()` (session-services.ts),
   * hosted after `sessionServices`; its cache entries are what the solve sends.
   * When given, `secrets`, `cacheExports` and `cacheImports` are not used.
   */
  requestServices?: RequestServices;
  /** Build secrets served to the daemon (`{id, data|file|env}`); checked before the session starts. */
  secrets?: readonly SecretSource[];
  sharedKey?: string;
  /** Called with every Status message. */
  onStatus?: (status: moby.buildkit.v1.StatusResponse) => void;
  /**
   * Called once the daemon has the whole build: the Solve is sent and, with a
   * `gateway`, its conversation has returned. From then on the client only
   * waits, so work kept for later (a registry's challenge) no longer delays the build.
   */
  onSubmitted?: () => void;
  /**
   * Runs a build program client-side: called with the build ref once the
   * solve is registered; it talks to the daemon's LLBBridge for that ref and
   * must call Return before resolving.
   */
  gateway?: (ref: string, session: Session, frontendAttrs: Record<string, string>, cacheImports: CacheEntry[]) => Promise<void>;
  /** Non-fatal problems, e.g. a local cache import skipped because its directory has no index. */
  onWarning?: (message: string) => void;
  /** Cancels the build on the daemon. */
  signal?: AbortSignal;
  /** Probing of the connection while the build runs (see watchdog.ts); `false` turns it off. */
  watchdog?: WatchdogOptions | false;
  ref?: string;
  /** A source policy for every source of the build (`--source-policy-file`, source-policy.ts). */
  sourcePolicy?: moby.buildkit.v1.sourcepolicy.Policy.$Properties;
  /** Run the build with proxy network enforcement (`--proxy-network`; the daemon decides what that means). */
  proxyNetwork?: boolean;
}

export interface SolveResult {
  exporterResponse: Record<string, string>;
  ref: string;
  /**
   * A client-side build's answer to a subrequest (the `requestid` opt): the
   * result's metadata (`result.json`, `result.txt`, `version`...), which
   * buildctl prints.
   */
  subrequest?: Record<string, Uint8Array>;
}

/** Runs one solve on the daemon and resolves with the exporter response. */
export async function solve(conn: BuildkitConnection, options: SolveOptions): Promise<SolveResult> {
  if (options.definition && (options.frontend || options.gateway)) {
    throw new BuildkitError("INVALID_ARGUMENT", "a solve takes a definition, a frontend, or a gateway program, not several");
  }
  const ref = options.ref ?? randomID();
  // Local cache directories are served as content stores; local imports get their digest from index.json.
  const request =
    options.requestServices ??
    (await sessionServices({
      auth: false,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.cacheExports ? { cacheExports: options.cacheExports } : {}),
      ...(options.cacheImports ? { cacheImports: options.cacheImports } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    }));
  const cache = request.cache;
  const services = [...(options.sessionServices ?? []), ...request.services];
  const session = new Session({ services, ...(options.sharedKey !== undefined ? { sharedKey: options.sharedKey } : {}) });
  // Canceled before it started (e.g. Ctrl-C while the program loaded): start nothing.
  if (options.signal?.aborted) throw new BuildkitError("CANCELED", "build canceled");
  await session.start(conn);

  const solveCall = new AbortController();
  const onAbort = () => solveCall.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) solveCall.abort(); // aborted while the session started
  // The daemon going silent ends nothing by itself: give up on the build then (watchdog.ts).
  const watchdog = new ConnectionWatchdog(conn, () => Math.max(lastStatus, session.lastReceived), () => {
    solveCall.abort();
    statusStream.cancel();
  }, options.watchdog || {});

  const exporters = (options.exports ?? []).map((e) => ({ Type: e.type, Attrs: e.attrs }));
  const frontendAttrs: Record<string, string> = { ...(options.frontendAttrs ?? {}) };
  if (cache.imports.length > 0 && (options.frontend || options.gateway)) {
    // Frontends import caches through their own solves, so they get the list too (as Go's client does).
    frontendAttrs["cache-imports"] = JSON.stringify(cache.imports.map((c) => ({ Type: c.type, Attrs: c.attrs })));
  }
  const frontendInputs: Record<string, pb.Definition.$Properties> = {};
  for (const [k, v] of Object.entries(options.frontendInputs ?? {})) frontendInputs[k] = toPbDefinition(v);

  const req: moby.buildkit.v1.SolveRequest.$Properties = {
    Ref: ref,
    Exporters: exporters,
    ExporterDeprecated: exporters[0]?.Type ?? "",
    ExporterAttrsDeprecated: exporters[0]?.Attrs ?? {},
    Session: session.id,
    Frontend: options.frontend ?? "",
    FrontendAttrs: frontendAttrs,
    FrontendInputs: frontendInputs,
    Cache: {
      Exports: cache.exports.map((c) => ({ Type: c.type, Attrs: c.attrs })),
      Imports: cache.imports.map((c) => ({ Type: c.type, Attrs: c.attrs })),
    },
    Entitlements: options.entitlements ?? [],
  };
  if (options.definition) req.Definition = toPbDefinition(options.definition);
  if (options.sourcePolicy) req.SourcePolicy = options.sourcePolicy;
  if (options.proxyNetwork) req.ProxyNetwork = true;
  // Encoded once here: the channel would only say "larger than max" after the session started.
  const reqBytes = Buffer.from(control.SolveRequest.encode(req).finish());
  if (reqBytes.length > MAX_MESSAGE_BYTES) {
    options.signal?.removeEventListener("abort", onAbort);
    await session.close();
    throw messageTooLarge(options.definition ? "the build definition" : "the solve request", reqBytes.length, MAX_MESSAGE_BYTES);
  }

  // Status: follow until the daemon ends the stream, or 5 s of silence after the solve is done.
  let statusDone!: () => void;
  const statusFinished = new Promise<void>((r) => (statusDone = r));
  const statusStream = conn.serverStream("/moby.buildkit.v1.Control/Status", control.StatusRequest, control.StatusResponse, { Ref: ref });
  let lastStatus = Date.now();
  let statusSeen = false;
  statusStream.on("data", (m: moby.buildkit.v1.StatusResponse) => {
    lastStatus = Date.now();
    statusSeen = true;
    try {
      options.onStatus?.(m);
    } catch {
      // A display error must not break the build.
    }
  });
  statusStream.on("error", () => statusDone());
  statusStream.on("end", () => statusDone());

  const solvePromise = conn.channel.unary("/moby.buildkit.v1.Control/Solve", reqBytes, { signal: solveCall.signal }).then(
    (bytes) => ({ exporterResponse: { ...control.SolveResponse.decode(bytes).ExporterResponse }, ref }),
    (err: Error) => {
      throw mapGrpcError(err, "/moby.buildkit.v1.Control/Solve", conn.address);
    },
  );
  if (options.watchdog !== false) watchdog.start();
  if (!options.gateway) options.onSubmitted?.();

  let gatewayError: unknown;
  const gatewayPromise = options.gateway
    ? options.gateway(ref, session, frontendAttrs, cache.imports).then(() => options.onSubmitted?.(), (err: unknown) => {
        gatewayError = err;
        // Give the daemon a moment to fail the solve itself (it knows the program failed), then cancel.
        setTimeout(() => solveCall.abort(), 5000).unref();
      })
    : Promise.resolve();

  let solveError: unknown;
  try {
    const [result] = await Promise.all([
      solvePromise.catch((err: unknown) => {
        solveError = err;
        throw gatewayError ?? err;
      }),
      gatewayPromise,
    ]);
    if (gatewayError) throw gatewayError;
    await cache.finish(result.exporterResponse);
    return result;
  } catch (err) {
    // Say what happened, whichever call noticed first: canceled, or the daemon went away.
    if (options.signal?.aborted) throw new BuildkitError("CANCELED", "build canceled", { cause: err });
    const lost = watchdog.lost ?? connectionLost(conn.address, [solveError, session.error]);
    if (lost) throw lost;
    if (gatewayError && err !== gatewayError) throw gatewayError;
    throw err;
  } finally {
    watchdog.stop();
    options.signal?.removeEventListener("abort", onAbort);
    await session.close();
    // A solve refused before its job started (bad graph, entitlement) has no progress to wait for.
    const quietMs = statusSeen ? 5000 : 300;
    if (!statusSeen) lastStatus = Date.now();
    const quiet = setInterval(() => {
      if (Date.now() - lastStatus > quietMs) {
        statusStream.cancel();
        statusDone();
      }
    }, 200);
    await statusFinished;
    clearInterval(quiet);
  }
}
