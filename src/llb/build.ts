/**
 * The experimental build op (Go's `client/llb/llbbuild`): builds the LLB
 * definition found in a file of its input state.
 */

import { addCap, applyConstraints, constraintsOpts, marshalConstraints, newConstraints, requirePlatform, type Constraints, type ConstraintsOptions } from "./constraints.js";
import type { PbInput } from "./pb.js";
import { finishOp, MarshalCache, State, type MarshalResult, type Output, type Vertex } from "./state.js";
import { Caps } from "./caps.js";

export interface BuildOptions extends ConstraintsOptions {
  /** The file in the input that holds the definition (`llbbuild.filename`). */
  filename?: string;
}

export class BuildOp implements Vertex, Output {
  private readonly cache = new MarshalCache();
  private readonly constraints: Constraints;

  constructor(
    private readonly source: Output,
    private readonly filename: string,
    options?: ConstraintsOptions,
  ) {
    this.constraints = applyConstraints(newConstraints(), constraintsOpts(options));
  }

  validate(): void {}

  marshal(c: Constraints): MarshalResult {
    const cached = this.cache.get(c);
    if (cached) return cached;
    const attrs: Record<string, string> = {};
    if (this.filename !== "") attrs["llbbuild.filename"] = this.filename;
    addCap(this.constraints, Caps.BuildOpLLBFileName);
    const mc = marshalConstraints(c, this.constraints);
    const inputs: PbInput[] = [this.source.toInput(c)];
    return finishOp(
      this.cache,
      c,
      {
        inputs,
        platform: requirePlatform(mc, "build op"),
        constraints: { filter: mc.filter },
        build: { builder: -1, inputs: { "buildkit.llb.definition": { input: 0 } }, attrs },
      },
      mc.metadata,
      this.constraints.sourceLocations,
    );
  }

  output(): Output {
    return this;
  }

  inputs(): readonly Output[] {
    return [this.source];
  }

  vertex(): Vertex {
    return this;
  }

  toInput(c: Constraints): PbInput {
    return { digest: this.marshal(c).digest, index: 0 };
  }

  platform(): undefined {
    return undefined;
  }
}

/** A state option that builds the definition stored in the state (Go's `llbbuild.Build`). */
export function buildOp(options: BuildOptions = {}): (s: State) => State {
  return (s) => {
    const out = s.output();
    if (!out) return s;
    return s.withOutput(new BuildOp(out, options.filename ?? "", options));
  };
}
