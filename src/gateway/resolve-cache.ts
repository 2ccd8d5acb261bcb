/**
 * A gateway client whose image-config lookups are made once per build:
 * dockerfile.v0's `withResolveCache` (v0.32.2 frontend/dockerfile/builder/
 * resolvecache.go), which keys a lookup by the reference and its options and
 * keeps the answer, an error too, so two stages `FROM alpine` for one platform
 * ask the daemon once (and show one step).
 */

import type { GatewayClient, GatewayResolveImageOptions } from "./types.js";

type Resolved = Awaited<ReturnType<GatewayClient["resolveImageConfig"]>>;

/** The lookup's identity: the reference and every option the daemon sees. */
function lookupKey(ref: string, o: GatewayResolveImageOptions): string {
  const p = o.platform;
  return JSON.stringify([ref, p?.os, p?.architecture, p?.variant, p?.osVersion, p?.osFeatures, o.resolveMode, o.logName, o.ociStore?.sessionID, o.ociStore?.storeID]);
}

/** `inner` with its `resolveImageConfig` answers kept for the life of the returned client. */
export function withResolveCache(inner: GatewayClient): GatewayClient {
  const lookups = new Map<string, Promise<Resolved>>();
  const client: GatewayClient = {
    get workerPlatforms() {
      return inner.workerPlatforms;
    },
    get caps() {
      return inner.caps;
    },
    get llbCaps() {
      return inner.llbCaps;
    },
    solve: (req) => inner.solve(req),
    readFile: (ref, path, range) => inner.readFile(ref, path, range),
    readDir: (ref, path, includePattern) => inner.readDir(ref, path, includePattern),
    statFile: (ref, path) => inner.statFile(ref, path),
    inputs: () => inner.inputs(),
    return: (result) => inner.return(result),
    resolveImageConfig(ref, options) {
      const key = lookupKey(ref, options);
      let lookup = lookups.get(key);
      if (!lookup) {
        lookup = inner.resolveImageConfig(ref, options);
        lookups.set(key, lookup);
      }
      return lookup;
    },
  };
  if (inner.resolveSourceMetadata) client.resolveSourceMetadata = (op, options) => inner.resolveSourceMetadata!(op, options);
  if (inner.warn) client.warn = (digest, warning) => inner.warn!(digest, warning);
  return client;
}
