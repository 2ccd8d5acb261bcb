/** The shape of a TypeScript golden case: the same graph as the Go case of the same name. */

import type { MarshalOptions, State } from "../../src/llb/index.js";

export interface GoldenCase {
  name: string;
  /** Builds the graph from scratch. */
  state: () => State | Promise<State>;
  /** Marshal options after the defaults (linux/amd64, local unique id "golden-unique"), as the Go case's Opts. */
  opts?: MarshalOptions;
}
