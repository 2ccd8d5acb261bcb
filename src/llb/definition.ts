/**
 * `Definition`: the marshalled graph (`pb.Definition`): op bytes in
 * dependency order with the terminal op last, metadata per op digest, and
 * source maps.
 */

import { DefinitionError } from "../errors.js";
import { pb } from "../proto/ops.js";
import { encodeDefinitionParts, type PbDefinition, type PbOpMetadata, type PbSource } from "./pb.js";

export class Definition {
  constructor(
    /** Each op's bytes; inputs come before the ops that use them; the last is the terminal op. */
    readonly def: readonly Uint8Array[],
    /** Metadata keyed by op digest. */
    readonly metadata: ReadonlyMap<string, PbOpMetadata>,
    readonly source: PbSource | undefined,
  ) {}

  /** The `pb.Definition` message as a plain object. */
  toPb(): PbDefinition {
    const metadata: Record<string, PbOpMetadata> = {};
    for (const [k, v] of this.metadata) metadata[k] = v;
    const out: PbDefinition = { def: [...this.def], metadata };
    if (this.source) out.Source = this.source;
    return out;
  }

  /**
   * The wire bytes of `pb.Definition`, what `buildctl build` reads on stdin.
   * Map entries are sorted, so the same graph always gives the same bytes
   * (Go writes this outer message's maps in random order; op bytes are what matter).
   */
  toBytes(): Uint8Array {
    return encodeDefinitionParts(this.def, this.metadata, this.source);
  }

  /**
   * Go's `Definition.Head()`: the digest of the vertex the terminal op points
   * at, the graph's result ("" for an empty definition).
   */
  head(): string {
    const last = this.def.at(-1);
    if (!last) return "";
    let op: pb.Op;
    try {
      op = pb.Op.decode(last);
    } catch (err) {
      throw new DefinitionError(`failed to parse llb proto op: ${(err as Error).message}`, { cause: err });
    }
    return op.inputs[0]?.digest ?? "";
  }

  /** True for the empty definition of `scratch()`. */
  isEmpty(): boolean {
    return this.def.length === 0;
  }
}
