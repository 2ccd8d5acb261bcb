/** `diff()`: the filesystem changes between two states (Go's `llb.Diff`). */

import { addCap, applyConstraints, constraintsOpts, marshalConstraints, newConstraints, type Constraints, type ConstraintsOptions } from "./constraints.js";
import type { PbInput } from "./pb.js";
import { finishOp, MarshalCache, State, VertexOutput, type MarshalResult, type Output, type Vertex } from "./state.js";
import { Caps } from "./caps.js";

/** Input index that means "scratch" in ops (`pb.Empty`). */
export const EMPTY_INPUT = -1;

export class DiffOp implements Vertex {
  private readonly cache = new MarshalCache();
  private readonly out: Output;

  constructor(
    private readonly lower: Output | undefined,
    private readonly upper: Output | undefined,
    private readonly constraints: Constraints,
  ) {
    addCap(this.constraints, Caps.DiffOp);
    this.out = new VertexOutput(this, undefined);
  }

  validate(): void {}

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    const mc = marshalConstraints(c, this.constraints);
    const inputs: PbInput[] = [];
    const lower = { input: this.lower ? inputs.length : EMPTY_INPUT };
    if (this.lower) inputs.push(this.lower.toInput(c));
    const upper = { input: this.upper ? inputs.length : EMPTY_INPUT };
    if (this.upper) inputs.push(this.upper.toInput(c));
    return finishOp(
      this.cache,
      c,
      { inputs, constraints: { filter: mc.filter }, diff: { lower, upper } },
      mc.metadata,
      this.constraints.sourceLocations,
    );
  }

  output(): Output {
    return this.out;
  }

  inputs(): readonly Output[] {
    const out: Output[] = [];
    if (this.lower) out.push(this.lower);
    if (this.upper) out.push(this.upper);
    return out;
  }
}

/** The changes that turn `lower` into `upper`. */
export function diff(lower: State, upper: State, options?: ConstraintsOptions): State {
  if (lower.output() === undefined) {
    return upper.output() === undefined ? State.fromOutput(undefined) : upper;
  }
  const c = applyConstraints(newConstraints(), constraintsOpts(options));
  return lower.withOutput(new DiffOp(lower.output(), upper.output(), c).output());
}
