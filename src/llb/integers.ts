/**
 * Checks of integer arguments against the protobuf field they end up in, so a
 * value that Go's type system would have refused (a fraction, a negative
 * number for an unsigned field, a number past 2^53 that lost its low bits, a
 * value out of the field's range) is an error naming the option instead of
 * silently wrong bytes. Numbers and bigints are both accepted.
 */

/** The protobuf scalar an option is encoded as. */
export type IntegerField = "int32" | "uint32" | "int64" | "uint64";

const ranges: Record<IntegerField, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Why `value` cannot be encoded as `field`, or undefined when it can.
 * `what` names the option in the message, e.g. `memoryLimit`.
 */
export function integerProblem(what: string, value: unknown, field: IntegerField): string | undefined {
  let big: bigint;
  if (typeof value === "bigint") {
    big = value;
  } else if (typeof value === "number") {
    if (!Number.isInteger(value)) return `${what}: ${value} is not an integer (${field})`;
    if (!Number.isSafeInteger(value)) {
      return `${what}: ${value} is beyond 2^53 and has lost its low bits as a number: pass a bigint (e.g. ${BigInt(value)}n)`;
    }
    big = BigInt(value);
  } else {
    return `${what}: ${typeof value === "string" ? JSON.stringify(value) : String(value)} is not a number (${field})`;
  }
  const [min, max] = ranges[field];
  if (big < min) return min === 0n ? `${what}: ${value} is negative, but the field is unsigned (${field})` : `${what}: ${value} is out of range for ${field}`;
  if (big > max) return `${what}: ${value} is out of range for ${field}`;
  return undefined;
}
