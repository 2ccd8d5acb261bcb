/**
 * The session services of one build request on one daemon, assembled in one
 * place: registry auth, file sync for `--local` dirs, file send for
 * client-side exports, secrets, ssh agents, and the content stores of local
 * cache imports/exports. A caller building on several daemons calls
 * {@link sessionServices} once per daemon (each session gets its own
 * services, and each local cache its own preparation).
 */

import { prepareCache, type CacheOptionsEntry, type PreparedCache } from "./cache.js";
import { authService, type AuthServiceOptions, type DockerConfig } from "./session/auth.js";
import { fileSendService, type FileSendOptions, type FileSendService } from "./session/file-send.js";
import { fileSyncService, type LocalDirOptions } from "./session/file-sync.js";
import { secretsService, type SecretSource } from "./session/secrets.js";
import type { SessionService } from "./session/service.js";
import { sshForwardService, type SshAgentSource } from "./session/ssh.js";

export interface SessionServicesOptions {
  /** Registry credentials for the daemon's pulls and pushes; `false` hosts no Auth service. Default: the docker config. */
  auth?: false | { config?: DockerConfig; options?: AuthServiceOptions };
  /** Local directories the build reads, by name (`--local NAME=DIR`). */
  locals?: ReadonlyMap<string, LocalDirOptions>;
  /** Client-side export targets by exporter index (`--output` to a dir, file or stdout). */
  fileSend?: FileSendOptions;
  /** Build secrets (validated now: a bad one throws before anything starts). */
  secrets?: readonly SecretSource[];
  /** SSH agents by id (`--ssh`). */
  sshAgents?: ReadonlyMap<string, SshAgentSource>;
  cacheExports?: readonly CacheOptionsEntry[];
  cacheImports?: readonly CacheOptionsEntry[];
  /** Non-fatal problems (a skipped local cache import, an unreadable docker config). */
  onWarning?: (message: string) => void;
}

/** What one request's session hosts, and what the solve sends and does for its caches. */
export interface RequestServices {
  services: SessionService[];
  /** The cache exports/imports to send (local imports with their digest) and the step that updates local caches afterwards. */
  cache: PreparedCache;
  /** The FileSend service, when some output is written by the client (for `commit()`/`discard()`/`exported`). */
  fileSend?: FileSendService;
}

function hasTargets(targets: FileSendOptions["targets"]): boolean {
  const list = targets instanceof Map ? [...targets.values()] : Object.values(targets);
  return list.some((t) => t !== undefined);
}

/**
 * Assembles the session services of one request: auth, file sync, file
 * send, secrets, ssh, cache content stores (in that order). Creates local
 * cache export directories.
 */
export async function sessionServices(options: SessionServicesOptions = {}): Promise<RequestServices> {
  const services: SessionService[] = [];
  if (options.auth !== false) {
    const auth = options.auth ?? {};
    const authOptions: AuthServiceOptions = { ...(options.onWarning ? { onWarning: options.onWarning } : {}), ...(auth.options ?? {}) };
    services.push(authService(auth.config, authOptions));
  }
  let fileSend: FileSendService | undefined;
  if (options.fileSend && hasTargets(options.fileSend.targets)) {
    fileSend = fileSendService(options.fileSend);
    services.push(fileSend);
  }
  if (options.locals && options.locals.size > 0) services.push(fileSyncService(options.locals));
  if (options.sshAgents && options.sshAgents.size > 0) services.push(sshForwardService(options.sshAgents));
  if (options.secrets) services.push(secretsService(options.secrets));
  const cache = await prepareCache(options.cacheExports, options.cacheImports, options.onWarning ? { onWarning: options.onWarning } : {});
  services.push(...cache.sessionServices);
  return { services, cache, ...(fileSend ? { fileSend } : {}) };
}
