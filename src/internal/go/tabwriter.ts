/** Go 1.26 `text/tabwriter` (the parts buildctl and buildkit's subrequest tables use). Pure: no I/O. */

import { runeCount } from "./fmt.js";

/**
 * Go's `text/tabwriter` with flags 0: cells end at `\t`, columns of
 * consecutive lines align, a line without tabs ends the block (its columns
 * are aligned separately). The defaults are buildctl's settings
 * `NewWriter(w, 1, 8, 1, '\t', 0)` (padding with tabs); with `padchar` " "
 * cells are padded with spaces to the column width (tabwidth unused).
 */
export class TabWriter {
  private lines: string[][] = [[]];
  private cell = "";
  private out = "";

  constructor(
    private readonly minwidth = 1,
    private readonly tabwidth = 8,
    private readonly padding = 1,
    private readonly padchar: "\t" | " " = "\t",
  ) {}

  write(s: string): this {
    for (const ch of s) {
      if (ch === "\t") {
        this.lines.at(-1)!.push(this.cell);
        this.cell = "";
      } else if (ch === "\n") {
        const line = this.lines.at(-1)!;
        line.push(this.cell);
        this.cell = "";
        this.lines.push([]);
        if (line.length === 1) this.flush();
      } else {
        this.cell += ch;
      }
    }
    return this;
  }

  /** Formats what is buffered and returns everything formatted so far. */
  flush(): this {
    if (this.cell !== "") {
      this.lines.at(-1)!.push(this.cell);
      this.cell = "";
    }
    const widths: number[] = [];
    this.format(widths, 0, this.lines.length);
    this.lines = [[]];
    return this;
  }

  /** Flushes and takes the output. */
  take(): string {
    this.flush();
    const s = this.out;
    this.out = "";
    return s;
  }

  private format(widths: number[], line0: number, line1: number): void {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= this.lines[i]!.length - 1) continue;
      this.writeLines(widths, line0, i);
      line0 = i;
      let width = this.minwidth;
      for (; i < line1; i++) {
        const line = this.lines[i]!;
        if (column >= line.length - 1) break;
        const w = runeCount(line[column]!) + this.padding;
        if (w > width) width = w;
      }
      widths.push(width);
      this.format(widths, line0, i);
      widths.pop();
      line0 = i;
    }
    this.writeLines(widths, line0, line1);
  }

  private writeLines(widths: number[], line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      line.forEach((c, j) => {
        this.out += c;
        if (j < widths.length) {
          const textw = runeCount(c);
          if (this.padchar === " ") {
            this.out += " ".repeat(widths[j]! - textw);
          } else {
            const cellw = Math.ceil(widths[j]! / this.tabwidth) * this.tabwidth;
            this.out += "\t".repeat(Math.ceil((cellw - textw) / this.tabwidth));
          }
        }
      });
      // The last buffered line is the one still being written: no newline yet.
      if (i + 1 !== this.lines.length) this.out += "\n";
    }
  }
}
