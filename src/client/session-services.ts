/**
 * The session services of one build request on one daemon, assembled in one
 * place: registry auth, file sync for `--local` dirs, file send for
 * client-side exports, secrets, ssh agents, and the content stores of local
 * cache imports/exports and of OCI layouts. A caller building on several daemons calls
 * {@link sessionServices} once per daemon (each session gets its own
 * services, and each local cache its own preparation).
 */

import { prepareCache, type CacheOptionsEntry, type PreparedCache } from "./cache.js";
import { authService, type AuthServiceOptions, type AuthTlsConfig, type DockerConfig } from "./session/auth.js";
import { checkTargets, fileSendService, type FileSendOptions, type FileSendService, type FileSendTarget } from "./session/file-send.js";
import { fileSyncService, localFileReader, type LocalDirOptions } from "./session/file-sync.js";
import { contentStoreService, OciContentStore } from "./session/content.js";
import { secretsService, type SecretSource } from "./session/secrets.js";
import type { SessionService } from "./session/service.js";
import type { LocalFileReader } from "../program/build-file.js";
import { sshForwardService, type SshAgentSource } from "./session/ssh.js";

export interface SessionServicesOptions {
  /** Registry credentials for the daemon's pulls and pushes; `false` hosts no Auth service. Default: the docker config. */
  auth?: false | { config?: DockerConfig; options?: AuthServiceOptions };
  /** TLS for registry token servers by host (`--registry-auth-tlscontext`): the Auth service fetches their tokens. */
  registryAuthTls?: ReadonlyMap<string, AuthTlsConfig>;
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
  /**
   * OCI layout directories by name (`--oci-layout NAME=DIR`), served as the
   * content stores `oci:NAME` for `oci-layout://NAME/...` sources, as Go's
   * client serves `SolveOpt.OCIStores`.
   */
  ociLayouts?: ReadonlyMap<string, string>;
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
  /** Reads a file of a served local dir here, without a transfer (file-sync.ts `localFileReader`); none without locals. */
  localFiles?: LocalFileReader;
}

function targetList(targets: FileSendOptions["targets"]): FileSendTarget[] {
  const list: (FileSendTarget | undefined)[] = targets instanceof Map ? [...targets.values()] : Object.values(targets);
  return list.filter((t): t is FileSendTarget => t !== undefined);
}

/**
 * Assembles the session services of one request: auth, file sync, file
 * send, secrets, ssh, cache content stores (in that order). Checks that
 * every client-side export target can be written (a TargetError otherwise,
 * before anything is built, as buildctl opens its output files first) and
 * creates local cache export directories.
 */
export async function sessionServices(options: SessionServicesOptions = {}): Promise<RequestServices> {
  const services: SessionService[] = [];
  if (options.auth !== false) {
    const auth = options.auth ?? {};
    const authOptions: AuthServiceOptions = {
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.registryAuthTls && options.registryAuthTls.size > 0 ? { tlsConfigs: options.registryAuthTls } : {}),
      ...(auth.options ?? {}),
    };
    services.push(authService(auth.config, authOptions));
  }
  let fileSend: FileSendService | undefined;
  const targets = options.fileSend ? targetList(options.fileSend.targets) : [];
  await checkTargets(targets);
  if (options.fileSend && targets.length > 0) {
    fileSend = fileSendService(options.fileSend);
    services.push(fileSend);
  }
  if (options.locals && options.locals.size > 0) services.push(fileSyncService(options.locals));
  if (options.sshAgents && options.sshAgents.size > 0) services.push(sshForwardService(options.sshAgents));
  if (options.secrets) services.push(secretsService(options.secrets));
  const cache = await prepareCache(options.cacheExports, options.cacheImports, options.onWarning ? { onWarning: options.onWarning } : {});
  services.push(...cache.sessionServices);
  if (options.ociLayouts && options.ociLayouts.size > 0) {
    // One Content service per session: the layouts join the cache's stores (ids `local:DIR` never clash with `oci:NAME`).
    let content = cache.contentStore;
    if (!content) services.push((content = contentStoreService()));
    for (const [name, dir] of options.ociLayouts) content.add(`oci:${name}`, new OciContentStore(dir));
  }
  return {
    services,
    cache,
    ...(fileSend ? { fileSend } : {}),
    ...(options.locals && options.locals.size > 0 ? { localFiles: localFileReader(options.locals) } : {}),
  };
}
