/**
 * `import()` of an ES module (a transpiled build program) that also works
 * from our CommonJS bundles: those run from V8's code cache (cjs-bundle.ts),
 * and in Node 20 and 22 code compiled from a cache has no `import()` of its
 * own ("A dynamic import callback was not specified"). The entry module that
 * loads a bundle publishes its own `import()` (publishDynamicImport) under a
 * global symbol; code in the bundle imports through it.
 */

const KEY = Symbol.for("tsfrontend.dynamicImport");

type Importer = (url: string) => Promise<unknown>;

/** Publishes `importer` (an `import()` of a module not run from a code cache) for {@link importModule}. */
export function publishDynamicImport(importer: Importer): void {
  (globalThis as Record<symbol, unknown>)[KEY] = importer;
}

/** Imports the ES module at `url` through the published `import()` when there is one. */
export function importModule<T>(url: string): Promise<T> {
  const hook = (globalThis as Record<symbol, unknown>)[KEY] as Importer | undefined;
  return (hook ? hook(url) : import(url)) as Promise<T>;
}
