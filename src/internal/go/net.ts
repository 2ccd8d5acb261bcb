/**
 * Go 1.26 `net.ParseIP` / `net.IP.String` and the validity part of
 * `net/netip.ParseAddr`, for IPv4 (dotted quad: four decimal fields 0-255, no
 * leading zeros, no empty fields) and IPv6 (with `::`, an embedded IPv4 tail,
 * and for netip a `%zone`). One parser serves both. Pure: no I/O.
 */

/** `net.ParseIP(s)`: the 16-byte form (IPv4 as v4-in-v6), or undefined where Go returns nil. */
export function parseIP(s: string): number[] | undefined {
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (ch === ".") {
      const f: number[] = [];
      return parseIPv4Fields(s, f) ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...f] : undefined;
    }
    if (ch === ":") return s.includes("%") ? undefined : parseIPv6(s); // zones make net.ParseIP fail
    if (ch === "%") return undefined;
  }
  return undefined;
}

/** `net.IP.String()`: dotted quad for IPv4(-mapped) addresses, RFC 5952 form for IPv6, `<nil>` for undefined. */
export function ipString(ip: readonly number[] | undefined): string {
  if (!ip) return "<nil>";
  let v4mapped = ip[10] === 0xff && ip[11] === 0xff;
  for (let k = 0; k < 10 && v4mapped; k++) if (ip[k] !== 0) v4mapped = false;
  if (v4mapped) return ip.slice(12).join(".");
  const g: number[] = [];
  for (let k = 0; k < 8; k++) g.push(ip[2 * k]! * 256 + ip[2 * k + 1]!);
  let zs = 255;
  let ze = 255;
  for (let k = 0; k < 8; k++) {
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    const l = j - k;
    if (l >= 2 && l > ze - zs) {
      zs = k;
      ze = j;
    }
  }
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (k === zs) {
      out += "::";
      k = ze;
      if (k >= 8) break;
    } else if (k > 0) {
      out += ":";
    }
    out += g[k]!.toString(16);
  }
  return out;
}

/** The address family `netip.ParseAddr(s)` gives: 4, 6, or 0 where it fails. */
export function parseAddrKind(s: string): 0 | 4 | 6 {
  for (let i = 0; i < s.length; i++) {
    switch (s[i]) {
      case ".":
        return parseIPv4Fields(s) ? 4 : 0;
      case ":": {
        const z = s.indexOf("%");
        if (z === s.length - 1) return 0; // an empty zone
        return parseIPv6(z < 0 ? s : s.slice(0, z)) ? 6 : 0;
      }
      case "%":
        return 0;
    }
  }
  return 0;
}

/** Parses `a.b.c.d` into `out` (when given); false if it is not a valid IPv4 address. */
function parseIPv4Fields(s: string, out: number[] = []): boolean {
  let val = 0;
  let digLen = 0;
  let pos = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      if (digLen === 1 && val === 0) return false;
      val = val * 10 + ch - 48;
      digLen++;
      if (val > 255) return false;
    } else if (ch === 46) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i - 1) === 46) return false;
      if (pos === 3) return false;
      out[pos++] = val;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[3] = val;
  return true;
}

/** IPv6 text without a zone into 16 bytes; undefined if invalid (Go's `parseIPv6`). */
function parseIPv6(s: string): number[] | undefined {
  const ip = new Array<number>(16).fill(0);
  let ellipsis = -1;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return ip;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      if (c >= 48 && c <= 57) acc = acc * 16 + c - 48;
      else if (c >= 97 && c <= 102) acc = acc * 16 + c - 87;
      else if (c >= 65 && c <= 70) acc = acc * 16 + c - 55;
      else break;
      if (off > 3 || acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === ".") {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const f: number[] = [];
      if (!parseIPv4Fields(s, f)) return undefined;
      for (let k = 0; k < 4; k++) ip[i + k] = f[k]!;
      s = "";
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s === "") break;
    if (s[0] !== ":" || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    for (let j = ellipsis; j < ellipsis + n; j++) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}
