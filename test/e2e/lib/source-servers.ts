/**
 * Local sources for `ADD http(s)://` and `ADD <git url>` in e2e builds: one HTTP server on 127.0.0.1
 * (buildkitd shares the host network) serving
 *
 * - `/files/PATH`: files under a directory, with a fixed Last-Modified and an ETag;
 *   `/named/PATH` the same with `Content-Disposition: attachment; filename="BASENAME"`;
 * - `/git/NAME.git/...`: git repositories over git's smart HTTP protocol (`git http-backend` as CGI), each made
 *   from a directory of files: commit "one" with the files, tag `v1`, then a branch `feature` adding
 *   `feature.txt`, both with fixed dates so the commit ids are the same on every run;
 *
 * and an ssh-agent for `RUN --mount=type=ssh`.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { ok, run } from "./env.js";

export interface SourceServers {
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `http://127.0.0.1:PORT/git` (repositories are `<git>/NAME.git`). */
  git: string;
  /** The commit of `main` per repository name. */
  commits: Record<string, string>;
  /** ssh-agent socket, or undefined when ssh-agent is missing. */
  sshSocket: string | undefined;
  close(): Promise<void>;
}

const LAST_MODIFIED = "Tue, 01 Dec 2026 12:00:00 GMT";
const GIT_DATE = "2026-12-01T12:00:00Z";

async function git(cwd: string, args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "tsf",
    GIT_AUTHOR_EMAIL: "tsf@example.invalid",
    GIT_COMMITTER_NAME: "tsf",
    GIT_COMMITTER_EMAIL: "tsf@example.invalid",
    GIT_AUTHOR_DATE: GIT_DATE,
    GIT_COMMITTER_DATE: GIT_DATE,
    GIT_CONFIG_NOSYSTEM: "1",
    HOME: cwd,
  };
  return ok(await run("git", args, { cwd, env, timeout: 60_000 }), `git ${args.join(" ")}`);
}

/** Makes bare repositories `<dest>/NAME.git` from the directories `<src>/NAME/`; returns the commit of each one's main. */
async function makeRepos(src: string, dest: string): Promise<Record<string, string>> {
  const commits: Record<string, string> = {};
  for (const name of readdirSync(src).sort()) {
    if (!statSync(join(src, name)).isDirectory()) continue;
    const work = join(dest, `${name}.work`);
    cpSync(join(src, name), work, { recursive: true, verbatimSymlinks: true });
    await git(work, ["init", "-q", "-b", "main"]);
    await git(work, ["add", "-A"]);
    await git(work, ["commit", "-q", "-m", "one"]);
    await git(work, ["tag", "-a", "v1", "-m", "v1"]);
    await git(work, ["checkout", "-q", "-b", "feature"]);
    writeFileSync(join(work, "feature.txt"), "feature branch\n");
    await git(work, ["add", "-A"]);
    await git(work, ["commit", "-q", "-m", "feature"]);
    await git(work, ["checkout", "-q", "main"]);
    await git(dest, ["clone", "-q", "--bare", work, `${name}.git`]);
    await git(join(dest, `${name}.git`), ["update-server-info"]);
    commits[name] = (await git(work, ["rev-parse", "main"])).trim();
  }
  return commits;
}

/** `git http-backend` as CGI for one request. */
function gitBackend(root: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const child = spawn("git", ["http-backend"], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname.slice("/git".length)),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      CONTENT_LENGTH: req.headers["content-length"] ?? "",
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      REMOTE_ADDR: "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on("data", (b: Buffer) => {
    if (started) {
      res.write(b);
      return;
    }
    head = Buffer.concat([head, b]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    started = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const i = line.indexOf(":");
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === "status") status = parseInt(v, 10);
      else res.setHeader(k, v);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  child.on("close", () => res.end());
  child.on("error", () => {
    res.statusCode = 500;
    res.end();
  });
}

function serveFile(root: string, rel: string, res: ServerResponse, named: boolean): void {
  const path = normalize(join(root, rel));
  if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
    res.statusCode = 404;
    res.end("not found\n");
    return;
  }
  const data = readFileSync(path);
  res.setHeader("Content-Length", data.length);
  res.setHeader("Last-Modified", LAST_MODIFIED);
  res.setHeader("ETag", `"${createHash("sha256").update(data).digest("hex").slice(0, 16)}"`);
  if (named) res.setHeader("Content-Disposition", `attachment; filename="${rel.slice(rel.lastIndexOf("/") + 1)}"`);
  res.end(data);
}

/**
 * Starts the servers: files from `filesDir`, repositories made in `work` from the directories of `reposDir`,
 * an ssh-agent with its socket in `work`.
 */
export async function startSourceServers(filesDir: string, reposDir: string, work: string): Promise<SourceServers> {
  const gitRoot = join(work, "git");
  cpSync(reposDir, join(work, "repos-src"), { recursive: true });
  mkdirSync(gitRoot, { recursive: true });
  const commits = await makeRepos(join(work, "repos-src"), gitRoot);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith("/git/")) return gitBackend(gitRoot, req, res, url);
    if (url.pathname.startsWith("/files/")) return serveFile(filesDir, decodeURIComponent(url.pathname.slice(7)), res, false);
    if (url.pathname.startsWith("/named/")) return serveFile(filesDir, decodeURIComponent(url.pathname.slice(7)), res, true);
    res.statusCode = 404;
    res.end("not found\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let sshSocket: string | undefined = join(work, "ssh-agent.sock");
  let agentPid: number | undefined;
  const agent = await run("ssh-agent", ["-s", "-a", sshSocket]).catch(() => undefined);
  if (agent && agent.status === 0) agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
  else sshSocket = undefined;
  return {
    http: `http://127.0.0.1:${port}`,
    git: `http://127.0.0.1:${port}/git`,
    commits,
    sshSocket,
    close: async () => {
      if (agentPid) {
        try {
          process.kill(agentPid);
        } catch {
          // already gone
        }
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
