/**
 * Definitions between our graph library and the generated protobufjs
 * messages of the control and gateway APIs. Our deterministic encoder writes
 * the bytes; protobufjs only carries them inside the request.
 */

import { decodeDefinition, type Definition } from "../llb/index.js";
import { pb } from "../proto/index.js";

/**
 * The messages made so far, per Definition (immutable, so its message never
 * changes): a build file's definition travels in its step's solve and again
 * in every warning about it.
 */
const messages = new WeakMap<Definition, pb.Definition>();

/** A Definition as the `pb.Definition` message of a request (encoding does not change a message, so one is shared). */
export function toPbDefinition(def: Definition): pb.Definition {
  let message = messages.get(def);
  if (!message) {
    message = pb.Definition.decode(def.toBytes());
    messages.set(def, message);
  }
  return message;
}

/** A `pb.Definition` of a response (a result's or an input's) as a Definition. */
export function fromPbDefinition(def: pb.Definition.$Properties | null | undefined): Definition | undefined {
  if (!def) return undefined;
  return decodeDefinition(pb.Definition.encode(def).finish());
}
