/**
 * What a program's `export const args` and `export const targets` mean for
 * its build (pure): the declared defaults of build args the build does not
 * set, the declared default target when none is asked for, and an asked
 * target the program does not declare refused, as a Dockerfile's stages are.
 */

import { ProgramError, type TsfErrorOptions } from "../errors.js";
import { isRecord } from "../internal/go/json.js";
import type { ArgDeclaration, ProgramDeclarations, TargetDeclaration } from "./types.js";

/**
 * Checks the shape of the declarations (each a record of NAME to a
 * description string or an object), so a mistaken `export const args =
 * ["VERSION"]` is an error naming it, not rows of nonsense in `--call outline`.
 */
export function checkDeclarations(decl: { targets?: unknown; args?: unknown }, where: TsfErrorOptions = {}): ProgramDeclarations {
  const out: ProgramDeclarations = {};
  for (const kind of ["targets", "args"] as const) {
    const v = decl[kind];
    if (v === undefined) continue;
    const shape = kind === "args" ? "{ NAME: \"description\" } or { NAME: { description, default: \"value\" } }" : "{ NAME: \"description\" } or { NAME: { description, default: true } }";
    if (!isRecord(v)) throw new ProgramError(`export const ${kind} must be an object ${shape}, not ${Array.isArray(v) ? "an array" : typeof v}`, where);
    for (const [name, d] of Object.entries(v)) {
      if (typeof d === "string") continue;
      if (!isRecord(d)) throw new ProgramError(`export const ${kind}: ${name} must be a description string or an object ${shape.split(" or ")[1]}`, where);
      if (kind === "args" && d["default"] !== undefined && typeof d["default"] !== "string") throw new ProgramError(`export const args: ${name}.default must be a string`, where);
      if (kind === "targets" && d["default"] !== undefined && typeof d["default"] !== "boolean") throw new ProgramError(`export const targets: ${name}.default must be true or false`, where);
    }
    if (kind === "args") out.args = v as ProgramDeclarations["args"];
    else out.targets = v as ProgramDeclarations["targets"];
  }
  return out;
}

/** The build args and target a program runs with, its declarations applied (see the module comment). */
export function declaredBuild(decl: ProgramDeclarations | undefined, buildArgs: Readonly<Record<string, string>>, target: string | undefined): { buildArgs: Record<string, string>; target?: string } {
  const args: Record<string, string> = { ...buildArgs };
  for (const [name, d] of Object.entries(decl?.args ?? {})) {
    const def = typeof d === "string" ? undefined : (d as ArgDeclaration).default;
    if (def !== undefined && args[name] === undefined) args[name] = def;
  }
  const targets = Object.entries(decl?.targets ?? {});
  if (targets.length === 0) return { buildArgs: args, ...(target !== undefined ? { target } : {}) };
  if (target !== undefined && target !== "") {
    if (!targets.some(([n]) => n === target)) throw new ProgramError(`target ${JSON.stringify(target)} could not be found: the program declares ${targets.map(([n]) => n).join(", ")}`);
    return { buildArgs: args, target };
  }
  const def = targets.find(([, d]) => typeof d !== "string" && (d as TargetDeclaration).default === true)?.[0];
  return { buildArgs: args, ...(def !== undefined ? { target: def } : {}) };
}
