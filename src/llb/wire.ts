/**
 * A small protobuf writer that produces the bytes Go's
 * `proto.MarshalOptions{Deterministic: true}` produces: callers write fields in
 * Go's order, skip proto3 zero scalars themselves, and sort map keys byte-wise.
 * Nested messages are written in place: one length byte is reserved and the
 * body is shifted right only when its length needs a longer varint.
 */

import { LlbError } from "../errors.js";
import { compareUtf8, utf8Length } from "../internal/go/utf8.js";

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** Strings at least this long are encoded by TextEncoder (native; the JS loop wins only on short ones). */
const NATIVE_UTF8_MIN = 48;
const encoder = new TextEncoder();

/** String.prototype.isWellFormed (Node 20; not in the ES2022 lib types): no lone surrogates. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export class ProtoWriter {
  private buf: Uint8Array;
  private pos = 0;
  private readonly stack: number[] = [];

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Unsigned varint of a non-negative safe integer. */
  private varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v < 0x80000000) {
      while (v > 0x7f) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v > 0x7f) {
        b[p++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
    }
    b[p++] = v;
    this.pos = p;
  }

  private varint64(v: bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes).
    let u = BigInt.asUintN(64, v);
    this.ensure(10);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** int32/int64/enum field value (no tag). Negative numbers take 10 bytes, as in Go. */
  private intValue(v: number | bigint): void {
    if (typeof v === "bigint") {
      // Most int64 values fit a double (e.g. the -1 "unset" timestamps): avoid BigInt arithmetic.
      if (v >= -0x80000000n && v <= 0x1fffffffffffffn) this.intValue(Number(v));
      else this.varint64(v);
    } else if (v >= 0) {
      this.varint(v);
    } else if (v >= -0x80000000) {
      this.negative32(v);
    } else {
      this.varint64(BigInt(v));
    }
  }

  /** A small negative number as a 64-bit two's complement varint, without BigInt (e.g. -1 indices). */
  private negative32(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    let lo = v >>> 0;
    let hi = 0xffffffff;
    // 64-bit value = hi:lo; emit 7 bits at a time (10 bytes for any negative value).
    for (let i = 0; i < 9; i++) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    b[p++] = lo & 0x7f;
    this.pos = p;
  }

  /** Writes an int32/int64/uint32/uint64/enum field, skipping zero (proto3 implicit presence). */
  int(field: number, v: number | bigint | undefined): void {
    if (v === undefined || v === 0 || v === 0n) return;
    this.tag(field, WIRE_VARINT);
    this.intValue(v);
  }

  /** Writes an integer field even when it is zero (oneof members). */
  intAlways(field: number, v: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.intValue(v);
  }

  bool(field: number, v: boolean | undefined): void {
    if (!v) return;
    this.tag(field, WIRE_VARINT);
    this.ensure(1);
    this.buf[this.pos++] = 1;
  }

  /** A bool map value or oneof member: written even when false. */
  boolAlways(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** Writes a string field, skipping "" (proto3 implicit presence). */
  string(field: number, s: string | undefined): void {
    if (!s) return;
    this.stringAlways(field, s);
  }

  /** Writes a string even when empty (repeated elements, map keys and values). */
  stringAlways(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    const n = s.length;
    // Fast path for strings under 128 UTF-16 units (digests, paths, cap names): reserve one
    // length byte, encode in place, and shift by one byte in the rare case the UTF-8 form
    // reaches 128 bytes (at most 3 * 127, so a two-byte varint always suffices).
    if (n >= NATIVE_UTF8_MIN && isWellFormed(s)) {
      // TextEncoder would replace a lone surrogate, so only well-formed strings come here (the loop
      // below reports the others). The length prefix is reserved for the longest encoding and the
      // bytes moved back when the actual length takes fewer varint bytes.
      const lenBytes = varintSize(n * 3);
      this.ensure(lenBytes + n * 3);
      const start = this.pos + lenBytes;
      const len = encoder.encodeInto(s, this.buf.subarray(start)).written;
      const actual = varintSize(len);
      this.varint(len);
      if (actual < lenBytes) this.buf.copyWithin(this.pos, start, start + len);
      this.pos += len;
      return;
    }
    if (n < 128) {
      this.ensure(2 + n * 3);
      const lenPos = this.pos++;
      this.utf8(s);
      const len = this.pos - lenPos - 1;
      if (len < 128) {
        this.buf[lenPos] = len;
        return;
      }
      this.buf.copyWithin(lenPos + 2, lenPos + 1, this.pos);
      this.buf[lenPos] = (len & 0x7f) | 0x80;
      this.buf[lenPos + 1] = len >>> 7;
      this.pos++;
      return;
    }
    const len = utf8Length(s);
    this.varint(len);
    this.ensure(len);
    this.utf8(s);
  }

  bytes(field: number, b: Uint8Array | undefined): void {
    if (!b || b.length === 0) return;
    this.bytesAlways(field, b);
  }

  bytesAlways(field: number, b: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Packed repeated varints (Go packs repeated scalars in proto3); omitted when empty. */
  packedInts(field: number, values: readonly (number | bigint)[] | undefined): void {
    if (!values || values.length === 0) return;
    this.begin(field);
    for (const v of values) this.intValue(v);
    this.end();
  }

  /** Starts a length-delimited sub-message; close it with {@link end}. */
  begin(field: number): void {
    this.tag(field, WIRE_LEN);
    this.ensure(1);
    this.stack.push(this.pos);
    this.pos += 1;
  }

  end(): void {
    const lenPos = this.stack.pop();
    if (lenPos === undefined) throw new LlbError("internal: unbalanced protobuf message");
    const len = this.pos - lenPos - 1;
    if (len < 128) {
      this.buf[lenPos] = len;
      return;
    }
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(lenPos + 1 + extra, lenPos + 1, this.pos);
    let p = lenPos;
    let v = len;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
    this.pos += extra;
  }

  /** Raw bytes, already encoded (an embedded message body written elsewhere). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** An embedded message whose body was encoded separately. Written even if empty. */
  message(field: number, body: Uint8Array): void {
    this.bytesAlways(field, body);
  }

  private utf8(s: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = (c >> 6) | 0xc0;
        b[p++] = (c & 0x3f) | 0x80;
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const c2 = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c >= 0xdc00 || c2 < 0xdc00 || c2 > 0xdfff) {
          throw new LlbError(`string is not valid UTF-16 (lone surrogate at index ${i}): ${JSON.stringify(s.slice(0, 40))}`);
        }
        c = 0x10000 + ((c & 0x3ff) << 10) + (c2 & 0x3ff);
        i++;
        b[p++] = (c >> 18) | 0xf0;
        b[p++] = ((c >> 12) & 0x3f) | 0x80;
        b[p++] = ((c >> 6) & 0x3f) | 0x80;
        b[p++] = (c & 0x3f) | 0x80;
      } else {
        b[p++] = (c >> 12) | 0xe0;
        b[p++] = ((c >> 6) & 0x3f) | 0x80;
        b[p++] = (c & 0x3f) | 0x80;
      }
    }
    this.pos = p;
  }

  get length(): number {
    return this.pos;
  }

  /** Copies the bytes written so far into `dst` at `offset` (which must have room). */
  copyInto(dst: Uint8Array, offset: number): void {
    dst.set(this.buf.subarray(0, this.pos), offset);
  }

  /**
   * The bytes written so far, for a writer that is not reused: a view of the
   * buffer when little of it is unused, else a copy (a large Definition is
   * not copied once more at the end).
   */
  finishOwned(): Uint8Array {
    if (this.stack.length !== 0) throw new LlbError("internal: unterminated protobuf message");
    return this.pos >= this.buf.length - (this.buf.length >> 3) ? this.buf.subarray(0, this.pos) : this.buf.slice(0, this.pos);
  }

  /** Copies out the bytes written so far. */
  finish(): Uint8Array {
    if (this.stack.length !== 0) throw new LlbError("internal: unterminated protobuf message");
    return this.buf.slice(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.stack.length = 0;
  }
}

/** Map keys in Go's deterministic order (byte-wise). */
export function sortedKeys(m: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): string[] {
  const keys = m instanceof Map ? [...m.keys()] : Object.keys(m);
  if (keys.length < 2) return keys;
  // UTF-16 code unit order equals UTF-8 byte order unless a key has surrogates, so the
  // default sort is right (and much faster) for nearly all keys.
  for (const k of keys) if (surrogate.test(k)) return keys.sort(compareUtf8);
  if (keys.length > 16) return keys.sort();
  // Insertion sort: Array.prototype.sort allocates work arrays, costly for the few caps of every op.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

const surrogate = /[\ud800-\udfff]/;
