/**
 * HPACK (RFC 7541), the header compression of HTTP/2, as much as a client of
 * unary gRPC calls needs: a full decoder (static and dynamic tables, table
 * size updates, Huffman-coded strings, as Go's x/net/http2 server sends them)
 * and an encoder that never indexes (indexed static entries and literals
 * without indexing only), so the peer's table size does not matter to it.
 * Header values are octets: they are read and written as latin1.
 */

/** A header block could not be decoded (a connection error, RFC 9113 §4.3). */
export class HpackError extends Error {
  constructor(message: string) {
    super(`hpack: ${message}`);
    this.name = "HpackError";
  }
}

/** RFC 7541 Appendix A. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""], [":method", "GET"], [":method", "POST"], [":path", "/"], [":path", "/index.html"], [":scheme", "http"],
  [":scheme", "https"], [":status", "200"], [":status", "204"], [":status", "206"], [":status", "304"], [":status", "400"],
  [":status", "404"], [":status", "500"], ["accept-charset", ""], ["accept-encoding", "gzip, deflate"], ["accept-language", ""],
  ["accept-ranges", ""], ["accept", ""], ["access-control-allow-origin", ""], ["age", ""], ["allow", ""], ["authorization", ""],
  ["cache-control", ""], ["content-disposition", ""], ["content-encoding", ""], ["content-language", ""], ["content-length", ""],
  ["content-location", ""], ["content-range", ""], ["content-type", ""], ["cookie", ""], ["date", ""], ["etag", ""], ["expect", ""],
  ["expires", ""], ["from", ""], ["host", ""], ["if-match", ""], ["if-modified-since", ""], ["if-none-match", ""], ["if-range", ""],
  ["if-unmodified-since", ""], ["last-modified", ""], ["link", ""], ["location", ""], ["max-forwards", ""], ["proxy-authenticate", ""],
  ["proxy-authorization", ""], ["range", ""], ["referer", ""], ["refresh", ""], ["retry-after", ""], ["server", ""], ["set-cookie", ""],
  ["strict-transport-security", ""], ["transfer-encoding", ""], ["user-agent", ""], ["vary", ""], ["via", ""], ["www-authenticate", ""],
];

/**
 * The Huffman code's lengths per symbol 0..255 (RFC 7541 Appendix B; EOS,
 * symbol 256, is 30 bits of ones). The code is canonical: the lengths give it.
 */
const HUFFMAN_LENGTHS =
  "13,23,28,28,28,28,28,28,28,24,30,28,28,30,28,28,28,28,28,28,28,28,30,28,28,28,28,28,28,28,28,28,6,10,10,12,13,6,8,11,10,10,8,11,8,6,6,6,5,5,5,6,6,6,6,6,6,6,7,8,15,6,12,10,13,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,7,8,13,19,13,14,6,15,5,6,5,6,5,6,6,6,5,7,7,6,6,6,5,6,7,6,5,5,6,7,7,7,7,7,15,11,14,13,28,20,22,20,20,22,22,22,23,22,23,23,23,23,23,24,23,24,24,22,23,24,23,23,23,23,21,22,23,22,23,23,24,22,21,20,22,22,23,23,21,23,22,22,24,21,22,23,23,21,21,22,21,23,22,23,23,20,22,22,22,23,22,22,23,26,26,20,19,22,23,22,25,26,26,26,27,27,26,24,25,19,21,26,27,27,26,27,24,21,21,26,26,28,27,27,27,20,24,20,21,22,21,21,23,22,22,25,25,24,24,26,23,26,27,26,26,27,27,27,27,27,28,27,27,27,27,27,26";
const EOS = 256;

interface HuffmanTable {
  /** Per length 1..30: the first code, how many codes, and where their symbols start in `symbols`. */
  first: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  symbols: Uint16Array;
}

let huffman: HuffmanTable | undefined;

/** The canonical decoding table, made on first use. */
function huffmanTable(): HuffmanTable {
  if (huffman) return huffman;
  const lengths = [...HUFFMAN_LENGTHS.split(",").map(Number), 30];
  const symbols = Uint16Array.from(lengths.map((_, s) => s).sort((a, b) => lengths[a]! - lengths[b]! || a - b));
  const first = new Int32Array(31);
  const count = new Int32Array(31);
  const offset = new Int32Array(31);
  for (const l of lengths) count[l]!++;
  let code = 0;
  let at = 0;
  for (let l = 1; l <= 30; l++) {
    first[l] = code;
    offset[l] = at;
    at += count[l]!;
    code = (code + count[l]!) << 1;
  }
  return (huffman = { first, count, offset, symbols });
}

/** Decodes a Huffman-coded string (RFC 7541 §5.2): padding is at most 7 bits of EOS's prefix. */
export function huffmanDecode(data: Uint8Array): string {
  const t = huffmanTable();
  let out = "";
  let code = 0;
  let len = 0;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const i = code - t.first[len]!;
      if (i >= 0 && i < t.count[len]!) {
        const sym = t.symbols[t.offset[len]! + i]!;
        if (sym === EOS) throw new HpackError("EOS in a Huffman-coded string");
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      } else if (len >= 30) {
        throw new HpackError("invalid Huffman code");
      }
    }
  }
  if (len > 7 || code !== (1 << len) - 1) throw new HpackError("invalid Huffman padding");
  return out;
}

/** A decoder with its dynamic table: one per connection, fed every header block in order. */
export class HpackDecoder {
  /** Newest first. */
  private readonly table: [string, string][] = [];
  private size = 0;
  private maxSize: number;

  /** `maxTableSize`: SETTINGS_HEADER_TABLE_SIZE as this side advertised it (4096 by default). */
  constructor(private readonly maxTableSize = 4096) {
    this.maxSize = maxTableSize;
  }

  decode(block: Uint8Array): [string, string][] {
    const out: [string, string][] = [];
    let pos = 0;
    const int = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      if (pos >= block.length) throw new HpackError("truncated integer");
      let v = block[pos++]! & mask;
      if (v < mask) return v;
      let m = 0;
      for (;;) {
        if (pos >= block.length) throw new HpackError("truncated integer");
        const b = block[pos++]!;
        v += (b & 0x7f) * 2 ** m;
        m += 7;
        if ((b & 0x80) === 0) break;
        if (m > 28) throw new HpackError("integer overflow");
      }
      return v;
    };
    const str = (): string => {
      if (pos >= block.length) throw new HpackError("truncated string");
      const huff = (block[pos]! & 0x80) !== 0;
      const n = int(7);
      if (pos + n > block.length) throw new HpackError("truncated string");
      const bytes = block.subarray(pos, pos + n);
      pos += n;
      return huff ? huffmanDecode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
    };
    let headerSeen = false;
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        const [name, value] = this.entry(int(7));
        out.push([name, value]);
        headerSeen = true;
      } else if (b & 0x40) {
        const index = int(6);
        const name = index > 0 ? this.entry(index)[0] : str();
        const value = str();
        out.push([name, value]);
        this.add(name, value);
        headerSeen = true;
      } else if (b & 0x20) {
        // A table size update: only at the start of a block, at most what this side advertised.
        if (headerSeen) throw new HpackError("table size update after a header");
        const size = int(5);
        if (size > this.maxTableSize) throw new HpackError(`table size ${size} above ${this.maxTableSize}`);
        this.maxSize = size;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001).
        const index = int(4);
        const name = index > 0 ? this.entry(index)[0] : str();
        out.push([name, str()]);
        headerSeen = true;
      }
    }
    return out;
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError("index 0");
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const e = this.table[index - STATIC_TABLE.length - 1];
    if (!e) throw new HpackError(`index ${index} beyond the table`);
    return e;
  }

  private add(name: string, value: string): void {
    const size = name.length + value.length + 32;
    this.evict(size);
    // An entry larger than the table empties it and is not added (RFC 7541 §4.4).
    if (size > this.maxSize) return;
    this.table.unshift([name, value]);
    this.size += size;
  }

  private evict(room: number): void {
    while (this.table.length > 0 && this.size + room > this.maxSize) {
      const [n, v] = this.table.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }
}

function encodeInt(out: number[], value: number, prefixBits: number, first: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function encodeString(out: number[], s: string): void {
  encodeInt(out, s.length, 7, 0);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

/**
 * A header block of `headers` (names lowercase): a static entry's index when
 * name and value match one, else a literal without indexing (with the static
 * name's index when there is one).
 */
export function encodeHeaders(headers: readonly (readonly [string, string])[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of headers) {
    const exact = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value && v !== "");
    if (exact >= 0) {
      encodeInt(out, exact + 1, 7, 0x80);
      continue;
    }
    const named = STATIC_TABLE.findIndex(([n]) => n === name);
    if (named >= 0) {
      encodeInt(out, named + 1, 4, 0x00);
    } else {
      out.push(0x00);
      encodeString(out, name);
    }
    encodeString(out, value);
  }
  return Buffer.from(out);
}
