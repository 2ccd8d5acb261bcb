/** Content digests in the `sha256:<hex>` form buildkit uses for op digests. */

import * as crypto from "node:crypto";

// One-shot `crypto.hash` (Node >= 20.12) skips the Hash object per call; op digests are hot.
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: "hex") => string }).hash;

export function sha256Digest(bytes: Uint8Array): string {
  if (oneShot) return "sha256:" + oneShot("sha256", bytes, "hex");
  return "sha256:" + crypto.createHash("sha256").update(bytes).digest("hex");
}

const digestRe = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Whether `s` looks like an OCI digest (`algorithm:encoded`). */
export function isDigest(s: string): boolean {
  if (!digestRe.test(s)) return false;
  if (s.startsWith("sha256:")) return /^sha256:[a-f0-9]{64}$/.test(s);
  if (s.startsWith("sha512:")) return /^sha512:[a-f0-9]{128}$/.test(s);
  return true;
}
