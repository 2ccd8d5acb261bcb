/**
 * `moby.sshforward.v1.SSH`: the agents `RUN --mount=type=ssh` (and git over
 * ssh) reach, configured like buildctl's `--ssh` (cmd/buildctl/build/ssh.go, parsed in cli/flags/ssh.ts;
 * session/sshforward/sshprovider v0.32.2):
 *
 * - `--ssh default` / `--ssh ID`: the agent at `$SSH_AUTH_SOCK`;
 * - `--ssh ID=/path/agent.sock`: that agent;
 * - `--ssh ID=key1[,key2]`: an agent in this process holding those keys;
 * - `,raw=true` with exactly one socket: bytes piped unfiltered.
 *
 * A socket agent is seen read-only (listing and signing only), as buildkit
 * wraps it. The daemon opens one `ForwardAgent` stream per connection the
 * build container makes to its agent socket; the stream carries the raw
 * agent protocol bytes and names the agent in the `buildkit.ssh.id` header.
 */

import { statSync } from "node:fs";
import * as net from "node:net";
import { resolve } from "node:path";
import type { Duplex } from "node:stream";
import { TsfError, UsageError } from "../../errors.js";
import { moby } from "../../proto/index.js";
import { agentDuplex, connectReadOnlyAgent, Keyring, keyringHandler, loadPrivateKeyFile, type AgentKey } from "./ssh-agent.js";
import { GrpcCode, GrpcStatusError, metadataValue, type CallContext, type MessageStream, type SessionService } from "./service.js";
import { parseBool } from "../../internal/go/strconv.js";

const SSH = moby.sshforward.v1;

/** sshforward.DefaultID */
export const DEFAULT_SSH_ID = "default";
/** sshforward.KeySSHID: the metadata naming the agent of a ForwardAgent stream. */
export const SSH_ID_METADATA = "buildkit.ssh.id";

// sshforward.Copy reads the agent in 32 KiB pieces.
const CHUNK = 32 * 1024;

/** One `--ssh` value. */
export interface SshAgentSpec {
  readonly id: string;
  /** Sockets or key files; empty means `$SSH_AUTH_SOCK`. */
  readonly paths: readonly string[];
  /** Pipe bytes to the one socket without the read-only filter. */
  readonly raw: boolean;
}

/** Where an agent's bytes go. */
export type SshAgentSource = { readonly kind: "keys"; readonly keyring: Keyring } | { readonly kind: "socket"; readonly path: string; readonly raw: boolean };

const FLAG = "--ssh";

/**
 * Resolves specs to agent sources now, so a missing file, an unreadable or
 * encrypted key, or an unset SSH_AUTH_SOCK fails before the build starts
 * (buildkit's NewSSHAgentProvider). Errors are UsageErrors naming `--ssh`.
 */
export function resolveSshAgents(specs: readonly SshAgentSpec[], env: NodeJS.ProcessEnv = process.env): Map<string, SshAgentSource> {
  const out = new Map<string, SshAgentSource>();
  for (const spec of specs) {
    const id = spec.id === "" ? DEFAULT_SSH_ID : spec.id;
    if (out.has(id)) throw new UsageError(`duplicate agent ID ${JSON.stringify(id)}`, { flag: FLAG });
    const fail = (msg: string, cause?: unknown): never => {
      throw new UsageError(`${id}: ${msg}`, { flag: FLAG, ...(cause !== undefined ? { cause } : {}) });
    };
    let paths = [...spec.paths];
    if (paths.length === 0 || (paths.length === 1 && paths[0] === "")) {
      const sock = env["SSH_AUTH_SOCK"] ?? "";
      if (sock === "") fail("SSH_AUTH_SOCK is not set: start an ssh-agent, or give a socket or key files (--ssh ID=PATH[,PATH...])");
      paths = [sock];
    }
    let socket: string | undefined;
    const keys: AgentKey[] = [];
    for (const p of paths) {
      if (socket !== undefined) fail("only a single socket is allowed");
      const abs = resolve(p);
      let isSocket = false;
      try {
        isSocket = statSync(abs).isSocket();
      } catch (err) {
        fail(`${p}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or socket" : (err as Error).message}`, err);
      }
      if (isSocket) {
        socket = abs;
        continue;
      }
      if (spec.raw) fail(`${p}: raw mode only supported with socket paths`);
      try {
        keys.push(...loadPrivateKeyFile(abs));
      } catch (err) {
        fail(err instanceof TsfError ? err.message.replace(abs, p) : String(err), err);
      }
    }
    if (socket !== undefined && keys.length > 0) fail("invalid combination of keys and sockets");
    out.set(id, socket !== undefined ? { kind: "socket", path: socket, raw: spec.raw } : { kind: "keys", keyring: new Keyring(keys) });
  }
  return out;
}

/** Opens one agent connection for a ForwardAgent stream. */
async function openAgent(id: string, source: SshAgentSource): Promise<Duplex> {
  if (source.kind === "keys") return agentDuplex(keyringHandler(source.keyring));
  try {
    if (source.raw) {
      return await new Promise<net.Socket>((ok, ko) => {
        const s = net.connect({ path: source.path, allowHalfOpen: true });
        s.once("connect", () => {
          s.off("error", ko);
          ok(s);
        });
        s.once("error", ko);
      });
    }
    const proxy = await connectReadOnlyAgent(source.path);
    return agentDuplex(proxy.handler, proxy.close);
  } catch (err) {
    throw new GrpcStatusError(GrpcCode.UNKNOWN, `failed to dial agent ${id}: failed to connect to ${source.path}: ${(err as Error).message}`);
  }
}

/** sshforward.Copy: daemon bytes into the agent, agent bytes back; done when the agent's side ends. */
async function pipeAgent(stream: MessageStream, agent: Duplex, ctx: CallContext): Promise<void> {
  const onAbort = () => agent.destroy();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  let inboundError: unknown;
  const inbound = (async () => {
    try {
      for await (const m of stream) {
        const data = SSH.BytesMessage.decode(m).data;
        if (agent.destroyed || agent.writableEnded) break;
        if (data && data.length > 0 && !agent.write(data)) await new Promise<void>((r) => agent.once("drain", r).once("close", r));
      }
      // The container half-closed its connection: half-close the agent's input.
      if (!agent.destroyed && !agent.writableEnded) agent.end();
    } catch (err) {
      inboundError = err;
      agent.destroy();
    }
  })();
  try {
    for await (const chunk of agent as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i += CHUNK) await stream.write(SSH.BytesMessage.encode({ data: chunk.subarray(i, i + CHUNK) }).finish());
    }
  } catch (err) {
    if (inboundError) throw inboundError;
    if (ctx.signal.aborted) throw new GrpcStatusError(GrpcCode.CANCELLED, "ssh forwarding canceled");
    throw err;
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    agent.destroy();
    void inbound;
  }
}

/** The SSH session service for resolved agents (see {@link resolveSshAgents}). */
export function sshForwardService(agents: ReadonlyMap<string, SshAgentSource>): SessionService {
  const lookup = (id: string | undefined | null): [string, SshAgentSource] => {
    const name = id || DEFAULT_SSH_ID;
    const source = agents.get(name);
    // The Go provider's wording; the daemon shows it when a required mount has no agent.
    if (!source) throw new GrpcStatusError(GrpcCode.UNKNOWN, `unset ssh forward key ${name}`);
    return [name, source];
  };
  return {
    name: "moby.sshforward.v1.SSH",
    methods: {
      CheckAgent: {
        kind: "unary",
        handler: async (request) => {
          lookup(SSH.CheckAgentRequest.decode(request).ID);
          return SSH.CheckAgentResponse.encode({}).finish();
        },
      },
      ForwardAgent: {
        kind: "stream",
        handler: async (stream, ctx) => {
          const [name, source] = lookup(metadataValue(ctx.metadata, SSH_ID_METADATA));
          await pipeAgent(stream, await openAgent(name, source), ctx);
        },
      },
    },
  };
}
