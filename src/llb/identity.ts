/** Random identifiers in the form Go's `identity.NewID` makes (25 base-36 characters). */

import { randomBytes } from "node:crypto";

// Random bytes are drawn in blocks: a Dockerfile conversion asks for one ID per COPY --link.
let pool: Buffer | undefined;
let offset = 0;

export function randomID(): string {
  // Go encodes 128 random bits in base 36 and left-pads to 25 characters.
  if (pool === undefined || offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + 16);
  offset += 16;
  return BigInt("0x" + hex).toString(36).padStart(25, "0");
}
