/**
 * `import()` of an ES module (a transpiled build program) that also works
 * from the CLI bundle: that bundle runs from V8's code cache (src/cli/bin.ts),
 * and in Node 20 code compiled from a cache has no `import()` of its own. The
 * CLI's entry module publishes its `import()` under this global symbol.
 */

/** `Symbol.for` name of the entry module's `import()`. */
export const DYNAMIC_IMPORT = "tsfrontend.dynamicImport";

/** Imports the ES module at `url` through the entry module's `import()` when it published one. */
export function importModule<T>(url: string): Promise<T> {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for(DYNAMIC_IMPORT)] as ((u: string) => Promise<T>) | undefined;
  return hook ? hook(url) : (import(url) as Promise<T>);
}
