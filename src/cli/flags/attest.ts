/**
 * `--attest`, `--sbom` and `--provenance` as docker buildx v0.38.2 takes them
 * (commands/build.go, util/buildflags/attests.go, build/opt.go): `--sbom V` is
 * `--attest type=sbom,V` and `--provenance V` is `--attest type=provenance,V`
 * (`CanonicalizeAttest`: a Go bool V is `disabled=!V`); each value is one CSV
 * record of `key=value` fields, `type` and `disabled` (a Go bool) read
 * case-insensitively, other keys kept as given. They become the frontend
 * opts `attest:<type>` written as buildx's `Attests.ToMap` writes them
 * (`type=<type>` then the other keys sorted, a pair holding `,` or `"`
 * CSV-quoted); the first value of a type wins, and a disabled type sends
 * nothing. Unlike buildx, nothing is sent by default (buildx adds
 * `attest:provenance=mode=min,inline-only=true`; buildctl, which tsfrontend
 * follows, adds nothing), and what the daemon would refuse only after the
 * build (buildkit v0.32.2's frontend/attestations `Validate`: types other than
 * sbom and provenance; solver/llbsolver/provenance.go: `mode`,
 * `reproducible`, `complete-materials`) is refused here, naming the flag.
 */

import { UsageError } from "../../errors.js";
import { parseBool } from "../../internal/go/strconv.js";
import { CsvError, parseCsvFields } from "./csv.js";

const FORMS: Record<string, string> = {
  "--attest": "type=sbom|provenance[,disabled=true][,key=value...], e.g. type=sbom,generator=REF or type=provenance,mode=max",
  "--sbom": "true | false | generator=REF[,key=value...]",
  "--provenance": "true | false | mode=min|max[,key=value...]",
};

/** The attestation types buildkit v0.32.2 knows (frontend/attestations `Validate`). */
export const ATTEST_TYPES = ["sbom", "provenance"] as const;

/** One parsed attestation request (buildx's `buildflags.Attest`). */
export interface Attest {
  type: string;
  disabled: boolean;
  /** Every key but `type` and `disabled`, as given. */
  attrs: Record<string, string>;
}

/** The `--attest`/`--sbom`/`--provenance` values of one build. */
export interface AttestFlags {
  attest?: readonly string[];
  sbom?: string;
  provenance?: string;
}

function usage(flag: string, value: string, message: string, cause?: unknown): UsageError {
  return new UsageError(`${JSON.stringify(value)}: ${message} (accepted: ${FORMS[flag] ?? FORMS["--attest"]})`, { flag, ...(cause !== undefined ? { cause } : {}) });
}

/** buildx's `CanonicalizeAttest`: the `--attest` form of a `--sbom`/`--provenance` value (a Go bool V is `disabled=!V`). */
export function canonicalizeAttest(type: string, value: string): string {
  if (value === "") return "";
  const b = parseBool(value);
  if (b !== undefined) return `type=${type},disabled=${!b}`;
  return `type=${type},${value}`;
}

/** Checks what buildkit v0.32.2 would refuse (after the build, for provenance); the message is buildkit's. */
function validate(a: Attest): string | undefined {
  if (a.type === "") return "attestation type not specified";
  if (!(ATTEST_TYPES as readonly string[]).includes(a.type.toLowerCase())) return `unknown attestation type ${JSON.stringify(a.type)}`;
  if (a.disabled || a.type.toLowerCase() !== "provenance") return undefined;
  const mode = a.attrs["mode"];
  if (mode !== undefined && mode !== "min" && mode !== "max" && mode !== "full") return `invalid mode ${JSON.stringify(mode)}`;
  for (const k of ["reproducible", "complete-materials"]) {
    const v = a.attrs[k];
    if (v !== undefined && parseBool(v) === undefined) return `invalid value ${k}=${v}: want true or false`;
  }
  return undefined;
}

/** buildx's `Attest.UnmarshalText` of one value, checked as buildkit would; a bad value is a UsageError naming `flag`. */
export function parseAttest(value: string, flag = "--attest", shown = value): Attest {
  let fields: string[];
  try {
    fields = parseCsvFields(value);
  } catch (err) {
    const msg = err instanceof CsvError && err.reason === "EOF" ? "empty value" : (err as Error).message;
    throw usage(flag, shown, msg, err);
  }
  const out: Attest = { type: "", disabled: false, attrs: {} };
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq < 0) throw usage(flag, shown, `invalid value ${field}: want key=value`);
    const key = field.slice(0, eq);
    const v = field.slice(eq + 1);
    switch (key.trim().toLowerCase()) {
      case "type":
        out.type = v;
        break;
      case "disabled": {
        const b = parseBool(v);
        if (b === undefined) throw usage(flag, shown, `invalid value ${field}: want true or false`);
        out.disabled = b;
        break;
      }
      default:
        out.attrs[key] = v;
    }
  }
  const bad = validate(out);
  if (bad !== undefined) throw usage(flag, shown, bad);
  return out;
}

/** buildx's csvBuilder.Write: `k=v`, CSV-quoted when it holds `,` or `"`. */
function csvPair(key: string, value: string): string {
  const pair = `${key}=${value}`;
  return pair.includes(",") || pair.includes('"') ? `"${pair.replaceAll('"', '""')}"` : pair;
}

/** buildx's `Attest` as its `ToMap` writes it: `type=T`, then the other keys sorted. */
export function formatAttest(a: Attest): string {
  const parts: string[] = [];
  if (a.type !== "") parts.push(csvPair("type", a.type));
  for (const k of Object.keys(a.attrs).sort()) parts.push(csvPair(k, a.attrs[k]!));
  return parts.join(",");
}

/**
 * The attestations the flags ask for, in buildx's order (`--attest` values,
 * then `--provenance`, then `--sbom`), parsed; each error names its flag.
 */
export function parseAttestFlags(flags: AttestFlags): Attest[] {
  const out: Attest[] = [];
  for (const v of flags.attest ?? []) out.push(parseAttest(v, "--attest"));
  for (const [flag, type, v] of [
    ["--provenance", "provenance", flags.provenance],
    ["--sbom", "sbom", flags.sbom],
  ] as const) {
    if (v === undefined) continue;
    if (v === "") throw usage(flag, v, "empty value");
    const a = parseAttest(canonicalizeAttest(type, v), flag, v);
    // buildx would let a later type= turn `--sbom type=provenance` into a provenance request.
    if (a.type !== type) throw usage(flag, v, `${flag} is type=${type}; give other types with --attest`);
    out.push(a);
  }
  return out;
}

/**
 * Frontend opts `attest:<type>` for the flags (buildx's `ToMap` and
 * build/opt.go): the first value of each type wins, a disabled type is
 * left out. Empty when no flag is given: nothing is sent by default.
 * `types` lists the (lower-cased) types the flags named, disabled ones too.
 */
export function attestOpts(flags: AttestFlags): { opts: Record<string, string>; types: string[] } {
  const opts: Record<string, string> = {};
  const seen: string[] = [];
  for (const a of parseAttestFlags(flags)) {
    // buildkit reads the type case-insensitively (attestations.Parse); one key per type here.
    const type = a.type.toLowerCase();
    if (seen.includes(type)) continue;
    seen.push(type);
    if (!a.disabled) opts[`attest:${type}`] = formatAttest(a);
  }
  return { opts, types: seen };
}
