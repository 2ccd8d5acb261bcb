/**
 * Exporting a build's results: the `exports` entries `solve()` sends, and the
 * FileSend session service that writes the client-side targets (a local
 * directory, a tar/oci/docker file, stdout). cli/flags/outputs.ts parses
 * `--output` values into the OutputEntry values taken here.
 */

import { fileSendService, type FileSendOptions, type FileSendService, type FileSendTarget } from "./session/file-send.js";
import type { SessionService } from "./session/service.js";
import type { ExportEntry } from "./solve.js";

export type { FileSendTarget, ExportedOutput } from "./session/file-send.js";
export { checkTargets, TargetError } from "./session/file-send.js";

/** One output: an exporter, its attrs, and where the client writes the result. */
export interface OutputEntry extends ExportEntry {
  /** Absent for exporters that keep the result in the daemon (image, ...). */
  target?: FileSendTarget;
}

export interface ExportOutputsOptions extends Omit<FileSendOptions, "targets"> {}

/** What `solve()` needs for the outputs, plus the FileSend service (for `commit()`/`discard()`/`exported`). */
export interface ExportOutputs {
  exports: ExportEntry[];
  sessionServices: SessionService[];
  outputs: OutputEntry[];
  /** Present when some output is written by the client. */
  fileSend?: FileSendService;
}

/** The exports for `solve()` and the FileSend service for the client-side targets, keyed by exporter index. */
export function exportOutputs(outputs: readonly OutputEntry[], options: ExportOutputsOptions = {}): ExportOutputs {
  const exports: ExportEntry[] = outputs.map((o) => ({ type: o.type, attrs: { ...o.attrs } }));
  const targets = outputs.map((o) => o.target);
  const result: ExportOutputs = { exports, sessionServices: [], outputs: [...outputs] };
  if (targets.some((t) => t !== undefined)) {
    const fsOpts: FileSendOptions = { targets };
    if (options.placement !== undefined) fsOpts.placement = options.placement;
    if (options.preserveOwnership !== undefined) fsOpts.preserveOwnership = options.preserveOwnership;
    if (options.onExported !== undefined) fsOpts.onExported = options.onExported;
    const svc = fileSendService(fsOpts);
    result.fileSend = svc;
    result.sessionServices.push(svc);
  }
  return result;
}
