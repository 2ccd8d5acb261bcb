/** Golden cases mirroring test/golden/go/cases_mounts.go (mountCases and secretSSHCases). */

import { image, merge, scratch, copy, type State } from "../../../src/llb/index.js";
import type { GoldenCase } from "../case.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

export const cases: GoldenCase[] = [
  {
    name: "exec-mount-bind-readonly",
    state: () => busybox().run({ shlex: "ls /src", mounts: [{ target: "/src", source: image("alpine:3.20"), readonly: true }] }).root(),
  },
  {
    name: "exec-mount-selector",
    state: () =>
      busybox()
        .run({ shlex: "ls /etc-alpine", mounts: [{ target: "/etc-alpine", source: image("alpine:3.20"), selector: "/etc" }] })
        .root(),
  },
  {
    name: "exec-mount-force-no-output",
    state: () =>
      busybox()
        .run({
          shlex: "true",
          mounts: [
            { target: "/a", source: image("alpine:3.20"), forceNoOutput: true },
            { target: "/b", source: image("alpine:3.21") },
          ],
        })
        .root(),
  },
  {
    name: "exec-mount-cache-shared",
    state: () =>
      busybox()
        .run({
          shlex: "go build",
          mounts: [{ target: "/root/.cache/go-build", source: scratch(), cache: { id: "go-build", sharing: "shared" } }],
        })
        .root(),
  },
  {
    name: "exec-mount-cache-private",
    state: () =>
      busybox()
        .run({ shlex: "npm ci", mounts: [{ target: "/root/.npm", source: scratch(), cache: { id: "npm", sharing: "private" } }] })
        .root(),
  },
  {
    name: "exec-mount-cache-locked",
    state: () =>
      busybox()
        .run({
          shlex: "apt-get update",
          mounts: [{ target: "/var/cache/apt", source: image("debian:12"), cache: { id: "apt", sharing: "locked" } }],
        })
        .root(),
  },
  {
    name: "exec-mount-tmpfs",
    state: () =>
      busybox()
        .run({
          shlex: "df",
          mounts: [
            { target: "/tmp", source: scratch(), tmpfs: true },
            { target: "/dev/shm", source: scratch(), tmpfs: { size: 64 << 20 } },
          ],
        })
        .root(),
  },
  {
    name: "exec-mount-content-cache",
    state: () =>
      busybox()
        .run({
          shlex: "true",
          mounts: [
            { target: "/on", source: image("alpine:3.20"), readonly: true, contentCache: "on" },
            { target: "/off", source: image("alpine:3.21"), readonly: true, contentCache: "off" },
          ],
        })
        .root(),
  },
  {
    name: "exec-mounts-sorted",
    state: () =>
      busybox()
        .run({
          shlex: "true",
          mounts: [
            { target: "/z", source: image("alpine:3.18") },
            { target: "/a", source: image("alpine:3.19") },
            { target: "/m", source: image("alpine:3.20") },
          ],
        })
        .root(),
  },
  {
    name: "exec-mount-same-input-twice",
    state: () => {
      const base = busybox();
      return base
        .run({
          shlex: "true",
          mounts: [
            { target: "/one", source: base, readonly: true },
            { target: "/two", source: base },
          ],
        })
        .root();
    },
  },
  {
    name: "exec-mount-outputs",
    state: () => {
      const first = busybox().run({
        shlex: "build",
        mounts: [{ target: "/cache", source: scratch(), cache: { id: "c", sharing: "shared" } }],
      });
      const out = first.addMount("/out", scratch());
      const work = first.getMount("/out");
      const second = image("alpine:3.20").run({
        shlex: "ls /in /in2",
        mounts: [
          { target: "/in", source: out, readonly: true },
          { target: "/in2", source: work, readonly: true },
        ],
      });
      return merge([first.root(), second.root()]);
    },
  },
  {
    name: "exec-mount-output-chain",
    state: () => {
      const es = busybox().run({ shlex: "gen" });
      const a = es.addMount("/a", scratch());
      const b = es.addMount("/b", image("alpine:3.20"));
      const st = a.file(copy(b, "/etc/os-release", "/os-release"));
      return st.run({ shlex: "cat /os-release" }).root();
    },
  },

  // secretSSHCases
  {
    name: "exec-secret-mount",
    state: () =>
      busybox()
        .run({
          shlex: "npm ci",
          secrets: [
            { target: "/run/secrets/npmrc", id: "npmrc", uid: 1000, gid: 1000, mode: 0o440, optional: true },
            { target: "/root/.aws/credentials" },
          ],
        })
        .root(),
  },
  {
    name: "exec-secret-env",
    state: () =>
      busybox()
        .run({
          shlex: "deploy",
          secrets: [{ env: "TOKEN" }, { id: "gh", env: "GH_TOKEN", optional: true }],
        })
        .root(),
  },
  {
    name: "exec-secret-env-and-file",
    state: () =>
      busybox()
        .run({
          shlex: "use-secret",
          secrets: [{ id: "both", target: "/run/secrets/both", env: "BOTH" }],
          mounts: [{ target: "/zzz", source: scratch() }],
        })
        .root(),
  },
  {
    name: "exec-ssh-default",
    state: () => busybox().run({ shlex: "ssh -T git@github.com", ssh: [{}] }).root(),
  },
  {
    name: "exec-ssh-options",
    state: () =>
      busybox()
        .run({
          shlex: "ssh-add -l",
          ssh: [
            { id: "deploy-key", target: "/run/ssh.sock", optional: true },
            { target: "", uid: 1000, gid: 1001, mode: 0o660 },
          ],
        })
        .root(),
  },
  {
    name: "exec-ssh-auth-sock-preset",
    state: () => busybox().addEnv("SSH_AUTH_SOCK", "/custom.sock").run({ shlex: "ssh-add -l", ssh: [{ id: "default" }] }).root(),
  },
];
