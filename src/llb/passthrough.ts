/**
 * Passthrough ops: pass some inputs through as outputs while making the op
 * depend on others (Go's `llb.NewPassthrough` and `State.Requires`).
 */

import { LlbError } from "../errors.js";
import { addCap, applyConstraints, constraintsOpts, marshalConstraints, newConstraints, type Constraints, type ConstraintsOptions } from "./constraints.js";
import type { PbInput } from "./pb.js";
import { finishOp, MarshalCache, State, type MarshalResult, type Output, type Vertex } from "./state.js";
import { Caps } from "./caps.js";

export interface PassthroughInput {
  state: State;
  /** Whether this input is also an output of the op. */
  output?: boolean;
}

class PassthroughOutput implements Output {
  constructor(
    private readonly op: PassthroughOp,
    private readonly index: number,
    private readonly error?: LlbError,
  ) {}

  vertex(): Vertex {
    return this.op;
  }

  toInput(c: Constraints): PbInput {
    if (this.error) throw this.error;
    return { digest: this.op.marshal(c).digest, index: this.index };
  }

  platform(): undefined {
    return undefined;
  }
}

export class PassthroughOp implements Vertex {
  private readonly cache = new MarshalCache();
  private readonly ins: Output[] = [];
  private readonly outs: Output[] = [];
  private readonly outputMap: number[] = [];
  private readonly constraints: Constraints;

  constructor(
    private readonly id: string,
    inputs: readonly PassthroughInput[],
    options?: ConstraintsOptions,
  ) {
    this.constraints = applyConstraints(newConstraints(), constraintsOpts(options));
    addCap(this.constraints, Caps.PassthroughOp);
    for (const inp of inputs) {
      const out = inp.state.output();
      if (!out) continue;
      const inputIndex = this.ins.length;
      this.ins.push(out);
      if (inp.output) {
        this.outs.push(new PassthroughOutput(this, this.outputMap.length));
        this.outputMap.push(inputIndex);
      }
    }
  }

  validate(): void {
    if (this.ins.length === 0) throw new LlbError("passthrough must have at least one input");
    if (this.id === "") throw new LlbError("passthrough requires an id");
    if (this.outputMap.length === 0) throw new LlbError("passthrough must have at least one output");
  }

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    this.validate();
    const mc = marshalConstraints(c, this.constraints);
    const inputs = this.ins.map((o) => o.toInput(c));
    return finishOp(
      this.cache,
      c,
      { inputs, constraints: { filter: mc.filter }, passthrough: { id: this.id, outputs: [...this.outputMap] } },
      mc.metadata,
      this.constraints.sourceLocations,
    );
  }

  output(): Output {
    return this.outputAt(0);
  }

  outputAt(index: number): Output {
    return this.outs[index] ?? new PassthroughOutput(this, index, new LlbError(`invalid passthrough output ${index}`));
  }

  inputs(): readonly Output[] {
    return this.ins;
  }
}

/** A state whose output passes through the first `output: true` input. */
export function passthrough(id: string, inputs: readonly PassthroughInput[], options?: ConstraintsOptions): State {
  return State.fromOutput(new PassthroughOp(id, inputs, options).output());
}

declare module "./state.js" {
  interface State {
    /** This state, but built only after `deps` (Go's `State.Requires`). */
    requires(id: string, ...deps: State[]): State;
  }
}

State.prototype.requires = function (this: State, id: string, ...deps: State[]): State {
  if (deps.length === 0) return this;
  const inputs: PassthroughInput[] = [{ state: this, output: true }, ...deps.map((state) => ({ state }))];
  return this.withOutput(new PassthroughOp(id, inputs).output());
};
