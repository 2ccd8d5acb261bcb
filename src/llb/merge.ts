/** `merge()`: layers several states on top of each other (Go's `llb.Merge`). */

import { LlbError } from "../errors.js";
import { addCap, applyConstraints, constraintsOpts, marshalConstraints, newConstraints, type Constraints, type ConstraintsOptions } from "./constraints.js";
import type { PbInput } from "./pb.js";
import { finishOp, MarshalCache, State, VertexOutput, type MarshalResult, type Output, type Vertex } from "./state.js";
import { Caps } from "./caps.js";

export class MergeOp implements Vertex {
  private readonly cache = new MarshalCache();
  private readonly out: Output;

  constructor(
    private readonly ins: readonly Output[],
    private readonly constraints: Constraints,
  ) {
    this.out = new VertexOutput(this, undefined);
  }

  validate(): void {
    if (this.ins.length < 2) throw new LlbError("merge must have at least 2 inputs");
  }

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    this.validate();
    const mc = marshalConstraints(c, this.constraints);
    const inputs: PbInput[] = [];
    const mergeInputs: { input: number }[] = [];
    for (const o of this.ins) {
      mergeInputs.push({ input: inputs.length });
      inputs.push(o.toInput(c));
    }
    // Merge is not platform specific: Go drops the platform.
    return finishOp(
      this.cache,
      c,
      { inputs, constraints: { filter: mc.filter }, merge: { inputs: mergeInputs } },
      mc.metadata,
      this.constraints.sourceLocations,
    );
  }

  output(): Output {
    return this.out;
  }

  inputs(): readonly Output[] {
    return this.ins;
  }
}

/**
 * Merges states: later inputs win on conflicting paths. Scratch inputs are
 * dropped; a single remaining input is returned as is.
 */
export function merge(inputs: readonly State[], options?: ConstraintsOptions): State {
  const filtered = inputs.filter((s) => s.output() !== undefined);
  if (filtered.length === 0) return State.fromOutput(undefined);
  if (filtered.length === 1) return filtered[0]!;
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  addCap(c, Caps.MergeOp);
  return filtered[0]!.withOutput(new MergeOp(filtered.map((s) => s.output()!), c).output());
}
