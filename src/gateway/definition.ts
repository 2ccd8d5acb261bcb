/**
 * Definitions between our graph library and the generated protobufjs
 * messages of the control and gateway APIs. Our deterministic encoder writes
 * the bytes; protobufjs only carries them inside the request.
 */

import { decodeDefinition, type Definition } from "../llb/index.js";
import { pb } from "../proto/index.js";

/** A Definition as the `pb.Definition` message of a request. */
export function toPbDefinition(def: Definition): pb.Definition {
  return pb.Definition.decode(def.toBytes());
}

/** A `pb.Definition` of a response (a result's or an input's) as a Definition. */
export function fromPbDefinition(def: pb.Definition.$Properties | null | undefined): Definition | undefined {
  if (!def) return undefined;
  return decodeDefinition(pb.Definition.encode(def).finish());
}
