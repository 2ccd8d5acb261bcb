// A tiny terminal emulator for the TTY log panes, modelled on the subset of
// github.com/tonistiigi/vt100 that buildkit's progressui relies on: printable
// runes wrap at the width and scroll at the height, \n \r \b move the cursor,
// CSI A/B/C/D/H/f/J/K are honoured and other escape sequences are skipped.

export class VTerm {
  height: number;
  width: number;
  content: string[][];
  private cx = 0;
  private cy = 0;
  private savedX = 0;
  private savedY = 0;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(height: number, width: number) {
    this.height = Math.max(1, height);
    this.width = Math.max(6, width);
    this.content = [];
    for (let y = 0; y < this.height; y++) this.content.push(new Array<string>(this.width).fill(" "));
  }

  usedHeight(): number {
    let n = 0;
    for (const row of this.content) if (row.some((c) => c !== " ")) n++;
    return n;
  }

  lines(): string[] {
    return this.content.map((r) => r.join(""));
  }

  resize(y: number, x: number): void {
    if (x < 6) x = 6;
    if (y < 1) y = 1;
    if (y > this.height) {
      for (let i = this.height; i < y; i++) this.content.push(new Array<string>(this.width).fill(" "));
      this.height = y;
    } else if (y < this.height) {
      this.content = this.content.slice(0, y);
      this.height = y;
    }
    if (x > this.width) {
      for (const row of this.content) while (row.length < x) row.push(" ");
      this.width = x;
    } else if (x < this.width) {
      this.content = this.content.map((r) => r.slice(0, x));
      this.width = x;
    }
  }

  /**
   * Feeds output bytes. Like vt100.Write, decoding stops at the first invalid
   * UTF-8 sequence; if fewer than 12 bytes follow it, they are kept for the next
   * write, otherwise they are dropped.
   */
  write(data: Uint8Array): void {
    let dt = data;
    if (this.pending.length > 0) {
      dt = new Uint8Array(this.pending.length + data.length);
      dt.set(this.pending);
      dt.set(data, this.pending.length);
      this.pending = new Uint8Array(0);
    }
    let i = 0;
    while (i < dt.length) {
      const [cp, size] = decodeRune(dt, i);
      if (cp < 0) {
        const rest = dt.length - (i + 1);
        if (rest > 0 && rest < 12) this.pending = dt.slice(i + 1);
        return;
      }
      if (cp === 0x1b || cp === 0x9b) {
        const end = this.escape(dt, i);
        if (end < 0) return; // incomplete sequence at the end: dropped
        i = end;
        continue;
      }
      i += size;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
        if (cp === 0x0a) {
          this.cy++;
          this.cx = 0;
        } else if (cp === 0x0d) {
          this.cx = 0;
        } else if (cp === 0x08) {
          this.cx--;
          if (this.cx < 0) {
            if (this.cy === 0) this.cx = 0;
            else {
              this.cy--;
              this.cx = this.width - 1;
            }
          }
        }
        continue;
      }
      this.put(String.fromCodePoint(cp));
    }
  }

  /** Parses an escape sequence at dt[i]; returns the index after it, or -1 if incomplete. */
  private escape(dt: Uint8Array, i: number): number {
    let [, j] = decodeRune(dt, i);
    let csi = dt[i] !== 0x1b;
    j += i;
    let args = "";
    let quote = false;
    for (let k = 0; ; k++) {
      if (j >= dt.length) return -1;
      const [rcp, size] = decodeRune(dt, j);
      const cp = rcp < 0 ? 0xfffd : rcp;
      const c = String.fromCodePoint(cp);
      j += size;
      if (k === 0 && c === "[") {
        csi = true;
        continue;
      }
      if (!csi) {
        this.command(c, "");
        return j;
      }
      if (!quote && cp >= 64 && cp <= 126) {
        this.command(c, args);
        return j;
      }
      if (c === '"') quote = !quote;
      args += c;
    }
  }

  private command(cmd: string, args: string): void {
    const nums = args === "" ? [] : args.split(";").map((s) => Number.parseInt(s, 10));
    if (nums.some((x) => Number.isNaN(x))) return;
    const n0 = nums[0] ?? 0;
    const move = (dy: number, dx: number): void => {
      const n = Math.max(1, n0);
      this.cy = Math.min(this.height - 1, Math.max(0, this.cy + dy * n));
      this.cx = Math.min(this.width - 1, Math.max(0, this.cx + dx * n));
    };
    switch (cmd) {
      case "s":
      case "7":
        this.savedX = this.cx;
        this.savedY = this.cy;
        break;
      case "u":
      case "8":
        this.cx = this.savedX;
        this.cy = this.savedY;
        break;
      case "A":
        move(-1, 0);
        break;
      case "B":
        move(1, 0);
        break;
      case "C":
        move(0, 1);
        break;
      case "D":
        move(0, -1);
        break;
      case "H":
      case "f": {
        const y = Math.max(1, nums[0] ?? 1) - 1;
        const x = Math.max(1, nums[1] ?? 1) - 1;
        this.cy = Math.min(this.height - 1, y);
        this.cx = Math.min(this.width - 1, x);
        break;
      }
      case "K": {
        const y = this.cy;
        if (y >= this.height) break;
        const [a, b] = n0 === 1 ? [0, this.cx] : n0 === 2 ? [0, this.width - 1] : [this.cx, this.width - 1];
        for (let x = a; x <= b && x < this.width; x++) this.content[y]![x] = " ";
        break;
      }
      case "J": {
        const y = Math.min(this.cy, this.height - 1);
        const [a, b] = n0 === 1 ? [0, y] : n0 === 2 ? [0, this.height - 1] : [y, this.height - 1];
        for (let r = a; r <= b; r++) this.content[r]!.fill(" ");
        break;
      }
      default:
        break; // colors and everything else are ignored
    }
  }

  private put(ch: string): void {
    if (this.cx >= this.width) {
      this.cx = 0;
      this.cy++;
    }
    if (this.cy >= this.height) {
      const first = this.content.shift()!;
      first.fill(" ");
      this.content.push(first);
      this.cy = this.height - 1;
    }
    this.content[this.cy]![this.cx] = ch;
    this.cx++;
    if (this.cx >= this.width) {
      this.cx = 0;
      this.cy++;
    }
  }
}

/** utf8.DecodeRune: [codepoint, size]; codepoint -1 (size 1) for invalid or incomplete input. */
export function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const need = b0 >= 0xc2 && b0 <= 0xdf ? 1 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xf0 && b0 <= 0xf4 ? 3 : -1;
  if (need < 0 || i + need >= b.length) return [-1, 1];
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 === 0xe0) lo = 0xa0;
  else if (b0 === 0xed) hi = 0x9f;
  else if (b0 === 0xf0) lo = 0x90;
  else if (b0 === 0xf4) hi = 0x8f;
  const b1 = b[i + 1]!;
  if (b1 < lo || b1 > hi) return [-1, 1];
  let cp = need === 1 ? b0 & 0x1f : need === 2 ? b0 & 0x0f : b0 & 0x07;
  cp = (cp << 6) | (b1 & 0x3f);
  for (let k = 2; k <= need; k++) {
    const bk = b[i + k]!;
    if (bk < 0x80 || bk > 0xbf) return [-1, 1];
    cp = (cp << 6) | (bk & 0x3f);
  }
  return [cp, need + 1];
}
