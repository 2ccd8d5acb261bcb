/** Random identifiers in the form Go's `identity.NewID` makes (25 base-36 characters). */

import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export function randomID(): string {
  // Go encodes 128 random bits in base 36 and left-pads to 25 characters.
  let n = 0n;
  for (const b of randomBytes(16)) n = (n << 8n) | BigInt(b);
  let s = "";
  while (n > 0n) {
    s = ALPHABET[Number(n % 36n)] + s;
    n /= 36n;
  }
  return s.padStart(25, "0");
}
