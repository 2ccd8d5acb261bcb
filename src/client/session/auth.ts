/**
 * `moby.filesync.v1.Auth`: registry credentials for the daemon, read from the
 * docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`,
 * `DOCKER_AUTH_CONFIG` first). Only `Credentials` is served: the daemon then
 * fetches tokens itself. Credentials go only to the host they belong to.
 */

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { moby } from "../../proto/index.js";
import type { SessionService } from "./service.js";

const Auth = moby.filesync.v1;

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

export interface Credentials {
  username: string;
  secret: string;
}

/** The config key docker uses for a registry host. */
function configKey(host: string): string {
  if (host === "registry-1.docker.io" || host === "docker.io" || host === "index.docker.io") return "https://index.docker.io/v1/";
  return host;
}

function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
}

export function loadDockerConfig(env: NodeJS.ProcessEnv = process.env): DockerConfig {
  const merged: DockerConfig = { auths: {} };
  const dir = env["DOCKER_CONFIG"] || join(homedir(), ".docker");
  try {
    const file = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as DockerConfig;
    Object.assign(merged.auths!, file.auths ?? {});
  } catch {
    // No config file: anonymous access.
  }
  const inline = env["DOCKER_AUTH_CONFIG"];
  if (inline) {
    try {
      Object.assign(merged.auths!, (JSON.parse(inline) as DockerConfig).auths ?? {});
    } catch {
      // Ignored, as docker does for an unparsable DOCKER_AUTH_CONFIG.
    }
  }
  return merged;
}

/** Looks up credentials for `host` in a docker config; empty strings mean anonymous. */
export function credentialsFor(config: DockerConfig, host: string): Credentials {
  const key = configKey(host);
  const auths = config.auths ?? {};
  let entry = auths[key];
  if (!entry) {
    const match = Object.keys(auths).find((k) => hostOfKey(k) === key);
    if (match) entry = auths[match];
  }
  if (!entry) return { username: "", secret: "" };
  if (entry.identitytoken) return { username: "", secret: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i > 0) return { username: decoded.slice(0, i), secret: decoded.slice(i + 1) };
  }
  return { username: entry.username ?? "", secret: entry.password ?? "" };
}

export function authService(config: DockerConfig = loadDockerConfig()): SessionService {
  return {
    name: "moby.filesync.v1.Auth",
    methods: {
      Credentials: {
        kind: "unary",
        handler: async (request) => {
          const req = Auth.CredentialsRequest.decode(request);
          const c = credentialsFor(config, req.Host ?? "");
          return Auth.CredentialsResponse.encode({ Username: c.username, Secret: c.secret }).finish();
        },
      },
    },
  };
}
