/**
 * Watching a build program while it runs, so that it can only end in a result
 * or an error:
 * - a program whose promise can no longer settle (nothing it started is still
 *   pending: no timer, no I/O, no gateway call) is reported instead of leaving
 *   `tsfrontend llb` to exit 0 with no output or `tsfrontend build` to wait forever;
 * - `process.exit()` called by the program ends the run with an error instead
 *   of ending the process with nothing exported;
 * - an exception thrown (or a rejection left unhandled) in one of the program's
 *   own callbacks fails the run instead of crashing the process.
 *
 * What "the program started" means is tracked with async_hooks: resources
 * (timers, file requests, sockets...) created in the program's async context
 * are counted until they are destroyed. Gateway calls run outside that context
 * and are counted separately, so the client's own connection is never mistaken
 * for work of the program.
 */

import { AsyncLocalStorage, createHook } from "node:async_hooks";

/** Why a watched run ended without a result. */
export type RunFault =
  | { kind: "stuck" }
  | { kind: "exit"; code: number | string | null | undefined; stack: string | undefined }
  | { kind: "uncaught"; error: unknown };

interface Run {
  /** Async resources created by the program and not yet destroyed, by async id. */
  readonly live: Set<number>;
  /** Gateway (or other tracked) calls in flight. */
  pending: number;
  fail(fault: RunFault): void;
}

const current = new AsyncLocalStorage<Run>();
const runs = new Set<Run>();
/** Which run created each live resource, so `destroy` finds it. */
const owner = new Map<number, Run>();

const hook = createHook({
  init(asyncId, type) {
    // Promises settle only through something else that is pending: they are not work themselves.
    if (type === "PROMISE") return;
    const run = current.getStore();
    if (!run || !runs.has(run)) return;
    run.live.add(asyncId);
    owner.set(asyncId, run);
  },
  destroy(asyncId) {
    const run = owner.get(asyncId);
    if (!run) return;
    owner.delete(asyncId);
    run.live.delete(asyncId);
  },
});

/** Thrown inside the program by the patched `process.exit`, to unwind its stack. */
class ProgramExit extends Error {
  constructor(readonly exitCode: number | string | null | undefined) {
    super(`process.exit(${exitCode ?? ""})`);
  }
}

const realExit = process.exit;

function patchedExit(this: NodeJS.Process, code?: number | string | null): never {
  const run = current.getStore();
  if (run && runs.has(run)) {
    const err = new ProgramExit(code);
    run.fail({ kind: "exit", code, stack: err.stack });
    throw err;
  }
  return realExit.call(process, code as number | undefined);
}

function onUncaught(err: unknown): void {
  const run = current.getStore();
  if (run && runs.has(run)) {
    if (!(err instanceof ProgramExit)) run.fail({ kind: "uncaught", error: err });
    return;
  }
  // Not the program's: behave as Node does without a listener.
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  realExit.call(process, 1);
}

function install(): void {
  hook.enable();
  process.exit = patchedExit as typeof process.exit;
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
}

function uninstall(): void {
  hook.disable();
  process.exit = realExit;
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
}

export interface WatchOptions {
  /** How long nothing may be pending before the program counts as stuck (ms). */
  idleMs?: number;
  /** How often to look (ms). */
  intervalMs?: number;
}

/** What `watchRun` hands to the function it runs. */
export interface WatchScope {
  /** Runs `fn` outside the program's context and counts it as pending until it settles. */
  track<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` (the program) and settles with its result, or rejects with
 * `toError(fault)` as soon as the program is stuck, calls `process.exit` or
 * throws from a callback of its own.
 */
export function watchRun<T>(fn: (scope: WatchScope) => Promise<T>, toError: (fault: RunFault) => Error, options: WatchOptions = {}): Promise<T> {
  const idleMs = options.idleMs ?? 1000;
  const intervalMs = options.intervalMs ?? 100;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const run: Run = {
      live: new Set(),
      pending: 0,
      fail: (fault) => finish(() => reject(toError(fault))),
    };
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer) clearInterval(timer);
      runs.delete(run);
      for (const id of run.live) owner.delete(id);
      run.live.clear();
      if (runs.size === 0) uninstall();
      settle();
    };
    const scope: WatchScope = {
      track<R>(call: () => Promise<R>): Promise<R> {
        run.pending++;
        const p = current.exit(call);
        return p.finally(() => {
          run.pending--;
        });
      },
    };

    if (runs.size === 0) install();
    runs.add(run);
    // Created outside the program's context (and kept referenced), so Node stays up to notice a stuck program.
    let idleSince: number | undefined;
    current.exit(() => {
      timer = setInterval(() => {
        if (run.live.size > 0 || run.pending > 0) {
          idleSince = undefined;
          return;
        }
        idleSince ??= Date.now();
        if (Date.now() - idleSince >= idleMs) run.fail({ kind: "stuck" });
      }, intervalMs);
    });
    let promise: Promise<T>;
    try {
      promise = current.run(run, () => fn(scope));
    } catch (err) {
      finish(() => reject(err));
      return;
    }
    promise.then(
      (v) => finish(() => resolve(v)),
      (err: unknown) => {
        if (err instanceof ProgramExit) return; // already failed with the exit fault
        finish(() => reject(err));
      },
    );
  });
}

/** Wraps every method of `target` so calls run outside the program's context and count as pending until they settle. */
export function trackCalls<T extends object>(target: T, scope: WatchScope): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => scope.track(() => Promise.resolve((v as (...a: unknown[]) => unknown).apply(t, args)));
    },
  });
}
