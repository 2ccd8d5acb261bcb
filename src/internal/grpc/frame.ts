/**
 * gRPC message framing (the "Length-Prefixed-Message" of the gRPC over HTTP/2
 * spec): a 1-byte compressed flag, a 4-byte big-endian length, the message.
 * Shared by the session server (server-stream.ts) and any client-side
 * gRPC-over-HTTP/2 transport. No buildkit knowledge, no generated protos.
 */

/** Bytes of the prefix before each message. */
export const FRAME_HEADER_LENGTH = 5;

/** The prefix of an uncompressed message of `length` bytes. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  header[0] = 0;
  header.writeUInt32BE(length, 1);
  return header;
}

/** One buffer holding the prefix and a copy of the message. */
export function encodeFrame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, FRAME_HEADER_LENGTH);
  return framed;
}

/** The message arrived compressed (flag 1): we announce no encodings, so a peer should never send one. */
export class CompressedFrameError extends Error {
  constructor() {
    super("compressed messages are not supported");
    this.name = "CompressedFrameError";
  }
}

/**
 * Splits received bytes into messages. Chunks are kept as they come and
 * joined only once a whole message is there (a big message arrives in many
 * chunks); a message that fits in one chunk is a view into it, not a copy.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Bytes received that do not yet form a whole message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and calls `onMessage` for each whole message, in order.
   * Throws {@link CompressedFrameError} on a compressed message (the bytes stay buffered).
   */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= FRAME_HEADER_LENGTH) {
      if (this.chunks[0]!.length < FRAME_HEADER_LENGTH) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
      const head = this.chunks[0]!;
      if (head[0] !== 0) throw new CompressedFrameError();
      const len = head.readUInt32BE(1);
      if (this.buffered < FRAME_HEADER_LENGTH + len) break;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.buffered);
      onMessage(all.subarray(FRAME_HEADER_LENGTH, FRAME_HEADER_LENGTH + len));
      const rest = all.subarray(FRAME_HEADER_LENGTH + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
  }
}
