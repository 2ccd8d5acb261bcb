/**
 * Step names of multi-platform builds. The same program step built for two
 * platforms is two vertices with the same name in progress output (buildctl,
 * buildx, ours), so the runner prefixes every op's name with its platform as
 * dockerfile2llb does for Dockerfiles (buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert.go `prefixCommand` and
 * `formatTargetPlatform`): `[linux/arm64] RUN ...`, and
 * `[linux/amd64->arm64] ...` for a step that runs on another platform than
 * the one it builds for (a cross-compiling builder). Names live in the op
 * metadata (`llb.customname`), so op digests and the cache are unchanged.
 *
 * An op without a custom name gets the name the solver would give it
 * (solver/llbsolver/vertex.go `llbOpName`), so only the prefix is new.
 */

import { decodeOp, Definition, formatPlatformAll, normalizePlatform, sha256Digest, type PbOp, type PbOpMetadata, type Platform } from "../llb/index.js";


const CUSTOM_NAME = "llb.customname";

/** The solver's name of an op without a custom name (`llbOpName`); `inputName` names input vertices. */
function solverName(op: PbOp, inputName: (digest: string) => string): string {
  if (op.source) return op.source.identifier;
  if (op.exec) return (op.exec.meta?.args ?? []).join(" ");
  if (op.file) {
    return (op.file.actions ?? [])
      .map((a) => {
        if (a.mkdir) return `mkdir ${a.mkdir.path}`;
        if (a.mkfile) return `mkfile ${a.mkfile.path}`;
        if (a.symlink) return `symlink ${a.symlink.newpath} -> ${a.symlink.oldpath}`;
        if (a.rm) return `rm ${a.rm.path}`;
        if (a.copy) return `copy ${a.copy.src} ${a.copy.dest}`;
        return undefined;
      })
      .filter((n) => n !== undefined)
      .join(", ");
  }
  if (op.build) return "build";
  if (op.merge) return `merge (${op.inputs.map((i) => inputName(i.digest)).join(", ")})`;
  if (op.diff) {
    const side = (input: number | bigint | undefined): string => {
      const i = Number(input ?? -1);
      if (i === -1) return "scratch";
      const inp = op.inputs[i];
      return inp ? `(${inputName(inp.digest)})` : "scratch";
    };
    return `diff ${side(op.diff.lower?.input)} -> ${side(op.diff.upper?.input)}`;
  }
  if (op.passthrough) return `passthrough ${op.passthrough.id ?? ""}`;
  return "unknown";
}

/** `formatTargetPlatform`: `->arch[/variant]` (or `->os/arch`) when the op runs on another platform than the target. */
function targetSuffix(base: Platform, target: Platform): string {
  const t = normalizePlatform(target);
  if (t.os === base.os && t.architecture !== base.architecture) return `->${t.architecture}${t.variant ? `/${t.variant}` : ""}`;
  if (t.os !== base.os) return `->${formatPlatformAll(t)}`;
  return "";
}

function opPlatform(op: PbOp): Platform | undefined {
  const p = op.platform;
  if (!p?.OS || !p.Architecture) return undefined;
  return normalizePlatform({ os: p.OS, architecture: p.Architecture, ...(p.Variant ? { variant: p.Variant } : {}) });
}

/**
 * The definition with every op's name prefixed with its platform, for the
 * build of `target` (ops without a platform of their own are `target`'s).
 */
export function prefixStepNames(def: Definition, target: Platform): Definition {
  const names = new Map<string, string>();
  const metadata = new Map<string, PbOpMetadata>(def.metadata);
  for (const bytes of def.def) {
    const digest = sha256Digest(bytes);
    const op = decodeOp(bytes);
    const md = def.metadata.get(digest);
    const isTerminal = !op.exec && !op.source && !op.file && !op.build && !op.merge && !op.diff && !op.passthrough;
    if (isTerminal) continue;
    const name = md?.description?.[CUSTOM_NAME] ?? solverName(op, (d) => names.get(d) ?? d);
    names.set(digest, name);
    const platform = opPlatform(op) ?? normalizePlatform(target);
    const prefix = `[${formatPlatformAll(platform)}${targetSuffix(platform, target)}] `;
    metadata.set(digest, { ...(md ?? {}), description: { ...(md?.description ?? {}), [CUSTOM_NAME]: prefix + name } });
  }
  return new Definition(def.def, metadata, def.source);
}
