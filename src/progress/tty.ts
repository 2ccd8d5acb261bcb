// The interactive display, a port of ttyDisplay in
// github.com/moby/buildkit/util/progress/progressui/display.go (v0.32.2):
// redraws in place with cursor-up, one line per job, log panes for running steps.

import { goFixed } from "../internal/go/units.js";
import { durationSeconds, padRight } from "../internal/go/fmt.js";
import type { DisplayInfo, Job, Trace } from "./trace.js";
import { TERM_HEIGHT_MIN, TERM_PAD, intervalDuration } from "./trace.js";

const ESC = "\x1b[";
export const RESET = "\x1b[0m";
export const HIDE = ESC + "?25l";
export const SHOW = ESC + "?25h";
export const FAINT = ESC + "2m";

export interface Colors {
  run: string | null;
  cancel: string | null;
  warning: string | null;
  error: string | null;
}

const colorMap: Record<string, string> = {
  default: ESC + "39m",
  black: ESC + "30m",
  red: ESC + "31m",
  green: ESC + "32m",
  yellow: ESC + "33m",
  blue: ESC + "34m",
  magenta: ESC + "35m",
  cyan: ESC + "36m",
  white: ESC + "37m",
  "light-black": ESC + "90m",
  "light-red": ESC + "91m",
  "light-green": ESC + "92m",
  "light-yellow": ESC + "93m",
  "light-blue": ESC + "94m",
  "light-magenta": ESC + "95m",
  "light-cyan": ESC + "96m",
  "light-white": ESC + "97m",
};

/** progressui init(): NO_COLOR, platform defaults and BUILDKIT_COLORS ("run=blue:error=255,0,0"). */
export function colorsFromEnv(env: Record<string, string | undefined>, platform: string = process.platform): Colors {
  if (env["NO_COLOR"]) return { run: null, cancel: null, warning: null, error: null };
  const c: Colors = {
    run: platform === "win32" ? colorMap["cyan"]! : colorMap["blue"]!,
    cancel: colorMap["yellow"]!,
    warning: colorMap["yellow"]!,
    error: colorMap["red"]!,
  };
  const spec = env["BUILDKIT_COLORS"];
  if (spec !== undefined) {
    for (const field of splitColorFields(spec)) {
      const eq = field.indexOf("=");
      if (eq < 0) continue;
      const k = field.slice(0, eq).toLowerCase();
      const v = field.slice(eq + 1);
      if (v.includes("=")) continue;
      let color: string | null = colorMap[v.toLowerCase()] ?? null;
      if (color === null && v.includes(",")) color = rgbColor(v);
      if (color === null) continue;
      if (k === "run" || k === "cancel" || k === "error" || k === "warning") c[k] = color;
    }
  }
  return c;
}

function splitColorFields(s: string): string[] {
  // csv with ':' as separator; quotes are rare enough to support simply
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ":" && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function rgbColor(v: string): string | null {
  const parts = v.split(",").map((x) => x.trim());
  if (parts.length !== 3) return null;
  const n = parts.map((x) => (/^[+-]?\d+$/.test(x) ? Number.parseInt(x, 10) : NaN));
  if (n.some((x) => Number.isNaN(x) || x < 0 || x > 255)) return null;
  const [r, g, b] = n as [number, number, number];
  const idx = 16 + 36 * Math.floor(r / 43) + 6 * Math.floor(g / 43) + Math.floor(b / 43);
  return `${ESC}38;5;${idx}m`;
}

function apply(s: string, color: string): string {
  return color + s + RESET;
}

// Like progressui, widths are computed with byte lengths (Go's len) and padding
// counts runes (fmt's %-*s); truncation never splits a character (Go's may).
const blen = (s: string): number => Buffer.byteLength(s);

/** Go's align(): "%-*s %s" with the left part padded to w-len(r)-1. */
function align(l: string, r: string, w: number): string {
  return padRight(l, Math.abs(w - blen(r) - 1)) + " " + r;
}

/** s[:n] in bytes, backing off to a character boundary. */
function truncBytes(s: string, n: number): string {
  if (blen(s) <= n) return s;
  let out = "";
  let used = 0;
  for (const ch of s) {
    const b = blen(ch);
    if (used + b > n) break;
    out += ch;
    used += b;
  }
  return out;
}

export function wrapHeight(j: Job[], limit: number): Job[] {
  if (limit < 0) return [];
  let wrapped = [...j];
  if (j.length > limit) {
    wrapped = wrapped.slice(j.length - limit);
    // wrap things around if incomplete jobs were cut
    const invisible = j.slice(0, j.length - limit).filter((x) => !x.isCompleted);
    let l = invisible.length;
    if (l > 0) {
      const rewrapped: Job[] = [];
      for (const x of wrapped) {
        if (!x.isCompleted || l <= 0) rewrapped.push(x);
        l--;
      }
      const freespace = wrapped.length - rewrapped.length;
      wrapped = [...invisible.slice(invisible.length - freespace), ...rewrapped];
    }
  }
  return wrapped;
}

export interface TtyDisplayOptions {
  phase: string;
  desc?: string;
  colors: Colors;
}

export class TtyDisplay {
  private lineCount = 0;
  private repeated = false;

  constructor(
    private readonly t: Trace,
    private readonly opts: TtyDisplayOptions,
  ) {}

  private setupTerminals(jobs: Job[], height: number, all: boolean): Job[] {
    const candidates: Job[] = [];
    let numInUse = 0;
    for (const j of jobs) {
      if (j.vertex && j.vertex.termBytes > 0 && !j.isCompleted) candidates.push(j);
      if (!j.isCompleted) numInUse++;
    }
    const score = (j: Job): number => j.vertex!.termBytes + j.vertex!.termCount * 50;
    candidates.sort((a, b) => score(b) - score(a));
    let numFree = height - 2 - numInUse;
    let numToHide = 0;
    this.t.termHeight = Math.max(TERM_HEIGHT_MIN, Math.min(this.t.termHeightInitial, height - TERM_HEIGHT_MIN - 1));
    const termLimit = this.t.termHeight + 3;
    for (let i = 0; numFree > termLimit && i < candidates.length; i++) {
      candidates[i]!.showTerm = true;
      numToHide += candidates[i]!.vertex!.term!.usedHeight();
      numFree -= termLimit;
    }
    if (!all) jobs = wrapHeight(jobs, height - 2 - numToHide);
    return jobs;
  }

  /** Renders one frame; `all` is the final frame (no height limit, FINISHED marker). */
  print(d: DisplayInfo, width: number, height: number, all: boolean): string {
    const colors = this.opts.colors;
    const now = this.t.now();
    let buf = "";
    d.jobs = this.setupTerminals(d.jobs, height, all);
    for (let i = 0; i <= this.lineCount; i++) buf += ESC + "1A";
    if (!this.repeated) buf += ESC + "1B";
    this.repeated = true;
    buf += ESC + "0G";

    let statusStr = "";
    if (d.countCompleted > 0 && d.countCompleted === d.countTotal && all) statusStr = "FINISHED";

    buf += HIDE;
    const elapsed = durationSeconds(now - d.startTime);
    let out = `[+] ${this.opts.phase} ${goFixed(elapsed, 1)}s (${d.countCompleted}/${d.countTotal}) ${statusStr}`;
    if (this.opts.desc) out = align(out, this.opts.desc, width - 1);
    else out = align(out, "", width);
    if (blen(out) > width) out = truncBytes(out, width);
    buf += out + "\n";

    let lineCount = 0;
    for (const j of d.jobs) {
      if (j.intervals.length === 0) continue;
      let dt = 0;
      for (const ival of j.intervals) dt += durationSeconds(intervalDuration(ival, now));
      if (dt < 0.05) dt = 0;
      const pfx = " => ";
      const timer = ` ${goFixed(dt, 1).padStart(3, " ")}s\n`;
      const status = j.status;
      let showStatus = false;
      let left = width - pfx.length - timer.length - 1;
      if (status !== "" && left + blen(status) > 20) {
        showStatus = true;
        left -= blen(status) + 1;
      }
      if (left < 12) continue; // too small screen to show progress
      let name = j.name;
      if (blen(name) > left) name = truncBytes(name, left);
      let line = pfx + name;
      if (showStatus) line += " " + status;
      line = align(line, timer, width);
      if (j.isCompleted) {
        let color = colors.run;
        if (j.isCanceled) color = colors.cancel;
        else if (j.hasError) color = colors.error;
        else if (j.hasWarning) color = colors.warning;
        if (color !== null) line = apply(line, color);
      }
      buf += line;
      lineCount++;
      if (j.showTerm) {
        const term = j.vertex!.term!;
        term.resize(this.t.termHeight, width - TERM_PAD);
        for (const l of term.lines()) {
          if (/[^ ]/.test(l)) {
            buf += apply(` => => # ${l}\n`, FAINT);
            lineCount++;
          }
        }
        j.vertex!.termCount++;
        j.showTerm = false;
      }
    }
    // override previous content
    const diff = this.lineCount - lineCount;
    if (diff > 0) {
      for (let i = 0; i < diff; i++) buf += " ".repeat(Math.max(0, width)) + "\n";
      buf += `${ESC}${diff}A${ESC}0G`;
    }
    this.lineCount = lineCount;
    buf += SHOW;
    return buf;
  }
}
