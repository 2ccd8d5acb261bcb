/**
 * Noticing that buildkitd went away while a build runs.
 *
 * A daemon that dies, or a connection that is reset or closed (a proxy cut,
 * a restarted daemon), ends every call on the channel at once with
 * UNAVAILABLE; {@link connectionLost} turns that into one clear error.
 *
 * A connection that goes silent (a network drop without RST, a frozen proxy)
 * ends nothing, and transport keepalive cannot help: buildkitd enforces
 * grpc-go's default policy (no pings more often than every 5 minutes; more
 * get a GOAWAY), so our channel pings every 5 minutes at best. So while a
 * build runs, {@link ConnectionWatchdog} asks the daemon's own
 * `grpc.health.v1.Health/Check` (registered by buildkitd for this purpose;
 * it never touches the solver) every `intervalMs`, and counts anything that
 * arrives from the daemon as a sign of life: a probe's answer, a Status
 * message, bytes on the session tunnel (where the daemon health-checks us
 * every 5 s). Only when nothing at all has arrived for `timeoutMs` is the
 * connection declared lost. A slow or busy daemon keeps answering on at
 * least one of those, and a long `RUN` without output still has the
 * daemon's own session checks, so a live build is not abandoned.
 */

import type { BuildkitConnection } from "./connection.js";
import { BuildkitError } from "./errors.js";
import { GrpcCode, type GrpcCallError } from "../internal/grpc/status.js";

export interface WatchdogOptions {
  /** How often to probe the daemon. Default 5 s. */
  intervalMs?: number;
  /** Declare the connection lost after this long with nothing from the daemon. Default 15 s. */
  timeoutMs?: number;
}

const HEALTH_CHECK = "/grpc.health.v1.Health/Check";
const UNAVAILABLE = GrpcCode.UNAVAILABLE;

/** The error for a daemon that went away mid-build. */
export function connectionLostError(address: string, why: string, cause?: unknown): BuildkitError {
  return new BuildkitError("CONNECTION_LOST", `buildkitd at ${address} went away during the build (${why})`, cause === undefined ? {} : { cause });
}

/** True for a transport failure: a call's error, or a {@link BuildkitError} mapped from one, with UNAVAILABLE. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof BuildkitError) return err.details.grpcCode === UNAVAILABLE;
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === UNAVAILABLE;
}

/** A {@link connectionLostError} when one of `errors` (the Solve or Session call's) says the connection broke. */
export function connectionLost(address: string, errors: readonly unknown[]): BuildkitError | undefined {
  const cause = errors.find(isUnavailable);
  return cause === undefined ? undefined : connectionLostError(address, "connection lost", cause);
}

/** Probes the daemon while a build runs; calls `onLost` once if the connection broke or went silent. */
export class ConnectionWatchdog {
  /** Set once the connection is declared lost. */
  lost: BuildkitError | undefined;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private lastSeen = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private probe: AbortController | undefined;

  /**
   * @param activity returns the time (ms) anything last arrived from the daemon
   *   on other calls (Status messages, session bytes).
   */
  constructor(
    private readonly conn: BuildkitConnection,
    private readonly activity: () => number,
    private readonly onLost: (err: BuildkitError) => void,
    options: WatchdogOptions = {},
  ) {
    this.intervalMs = Math.max(10, options.intervalMs ?? 5000);
    this.timeoutMs = Math.max(this.intervalMs, options.timeoutMs ?? 15000);
  }

  start(): void {
    if (this.timer || this.lost) return;
    this.lastSeen = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.probe?.abort();
    this.probe = undefined;
  }

  private tick(): void {
    const seen = Math.max(this.lastSeen, this.activity());
    const silent = Date.now() - seen;
    if (silent >= this.timeoutMs) {
      this.declare(connectionLostError(this.conn.address, `nothing received for ${Math.round(silent / 1000)} s`));
      return;
    }
    if (this.probe) return;
    const probe = new AbortController();
    this.probe = probe;
    // HealthCheckRequest{} encodes to nothing.
    this.conn.channel.unary(HEALTH_CHECK, new Uint8Array(0), { deadline: Date.now() + this.timeoutMs, signal: probe.signal }).then(
      () => {
        if (this.probe === probe) this.probe = undefined;
        this.lastSeen = Date.now();
      },
      (err: GrpcCallError) => {
        if (this.probe === probe) this.probe = undefined;
        if (err.code === UNAVAILABLE) {
          this.declare(connectionLostError(this.conn.address, "connection lost", err));
        } else if (err.code !== GrpcCode.DEADLINE_EXCEEDED && err.code !== GrpcCode.CANCELLED) {
          // Any status the daemon sent (e.g. UNIMPLEMENTED behind a proxy) still proves it is there.
          this.lastSeen = Date.now();
        }
      },
    );
  }

  private declare(err: BuildkitError): void {
    if (this.lost || !this.timer) return;
    this.lost = err;
    this.stop();
    this.onLost(err);
  }
}
