/**
 * Subrequests of a Dockerfile build: a port of buildkit v0.32.2
 * frontend/dockerui/requests.go (`HandleSubrequest`, `describe`). The result
 * documents are written by program/subrequests.ts (shared with programs).
 */

import type { GatewayResult } from "../../gateway/types.js";
import {
  convertLLBToResult,
  describeResult,
  lintToResult,
  outlineToResult,
  REQUEST_CONVERT_LLB,
  REQUEST_DESCRIBE,
  REQUEST_LINT,
  REQUEST_OUTLINE,
  REQUEST_TARGETS,
  targetsToResult,
  unsupportedSubrequest,
  type LintResults,
  type Outline,
  type TargetsList,
} from "../../program/subrequests.js";

/** dockerui.RequestHandler. */
export interface RequestHandler {
  outline?: () => Promise<Outline | undefined>;
  listTargets?: () => Promise<TargetsList | undefined>;
  lint?: () => Promise<LintResults | undefined>;
  convertLLB?: () => Promise<string>;
  allowOther?: boolean;
}

/**
 * dockerui's `HandleSubrequest`: the result for the `requestid` option, or
 * undefined when there is none (a build). An unknown request throws
 * errdefs.UnsupportedSubrequestError unless `allowOther`.
 */
export async function handleSubrequest(opts: Readonly<Record<string, string>>, h: RequestHandler): Promise<GatewayResult | undefined> {
  const req = opts["requestid"];
  if (req === undefined) return undefined;
  switch (req) {
    case REQUEST_DESCRIBE:
      // dockerfile.v0 lists outline, targets and describe (lint and convertllb are answered, not listed).
      return describeResult();
    case REQUEST_OUTLINE:
      if (h.outline) {
        const o = await h.outline();
        return o ? outlineToResult(o) : { metadata: {} };
      }
      break;
    case REQUEST_TARGETS:
      if (h.listTargets) {
        const t = await h.listTargets();
        return t ? targetsToResult(t) : { metadata: {} };
      }
      break;
    case REQUEST_LINT:
      if (h.lint) {
        const w = await h.lint();
        return w ? lintToResult(w) : { metadata: {} };
      }
      break;
    case REQUEST_CONVERT_LLB:
      if (h.convertLLB) return convertLLBToResult(await h.convertLLB());
      break;
  }
  if (h.allowOther) return undefined;
  throw unsupportedSubrequest(req);
}
