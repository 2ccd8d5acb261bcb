/**
 * Port of `attr` in buildkit v0.32.2 cmd/buildctl/debug/dumpllb.go: the label
 * and Graphviz shape `buildctl debug dump-llb --dot` gives a vertex, also the
 * name progress shows for an op without a custom name.
 */

import type { PbOp } from "./pb.js";

/** The dot label and shape of an op (the digest for a terminal or passthrough op). */
export function vertexLabel(op: PbOp, digest: string): { name: string; shape: string } {
  if (op.source) return { name: op.source.identifier ?? "", shape: "ellipse" };
  if (op.exec) return { name: (op.exec.meta?.args ?? []).join(" "), shape: "box" };
  if (op.build) return { name: "build", shape: "box3d" };
  if (op.merge) return { name: "merge", shape: "invtriangle" };
  if (op.diff) return { name: "diff", shape: "doublecircle" };
  if (op.file) {
    const names = (op.file.actions ?? []).map((a) => {
      if (a.copy) return `copy{src=${a.copy.src ?? ""}, dest=${a.copy.dest ?? ""}}`;
      if (a.mkfile) return `mkfile{path=${a.mkfile.path ?? ""}}`;
      if (a.mkdir) return `mkdir{path=${a.mkdir.path ?? ""}}`;
      if (a.rm) return `rm{path=${a.rm.path ?? ""}}`;
      if (a.symlink) return `symlink{oldpath=${a.symlink.oldpath ?? ""}, newpath=${a.symlink.newpath ?? ""}}`;
      return "";
    });
    return { name: names.join(","), shape: "note" };
  }
  return { name: digest, shape: "plaintext" };
}
