/** Golden cases mirroring test/golden/go/cases_exec.go. */

import {
  cpuPeriod,
  cpuShares,
  cpusetCpus,
  cpuQuota,
  memorySwapLimit,
  dir,
  hostname,
  image,
  memoryLimit,
  NetMode,
  platforms,
  scratch,
  security,
  SecurityMode,
  type State,
} from "../../../src/llb/index.js";
import type { GoldenCase } from "../case.js";
import { allCaps } from "./caps.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

export const cases: GoldenCase[] = [
  {
    name: "exec-shlex",
    state: () => busybox().run({ shlex: `sh -c "echo hello  world" 'single quoted' esc\\ aped` }).root(),
  },
  {
    name: "exec-shlexf",
    state: () => busybox().run({ shlex: `echo ${"x y"} ${42}` }).root(),
  },
  {
    name: "exec-args",
    state: () => busybox().run({ args: ["/bin/sh", "-c", "echo $HOME", ""] }).root(),
  },
  {
    name: "exec-env-dir-user",
    state: () =>
      busybox()
        .run({
          shlex: "make all",
          env: [
            ["CC", "gcc"],
            ["JOBS", `${8}`],
          ],
          with: [dir("/src"), dir(`sub-${"dir"}`)],
          user: "builder:builder",
        })
        .root(),
  },
  {
    name: "exec-hostname-extra-hosts",
    state: () =>
      busybox()
        .run({
          shlex: "cat /etc/hosts",
          with: [hostname("builder-host")],
          extraHosts: [
            { host: "db.local", ip: "10.0.0.5" },
            { host: "v6.local", ip: "2001:db8:0:0::1" },
          ],
        })
        .root(),
  },
  {
    name: "exec-network-modes",
    state: () => {
      let st = busybox();
      st = st.network(NetMode.HOST).run({ shlex: "curl https://example.com" }).root();
      st = st.network(NetMode.NONE).run({ shlex: "echo offline" }).root();
      st = st.network(NetMode.UNSET).run({ shlex: "echo sandbox" }).root();
      return st;
    },
  },
  {
    name: "exec-security-insecure",
    state: () => busybox().run({ shlex: "mount -t tmpfs none /mnt", with: [security(SecurityMode.INSECURE)] }).root(),
  },
  {
    name: "exec-proxy",
    state: () =>
      busybox()
        .run({
          shlex: "wget http://example.com",
          proxyEnv: {
            httpProxy: "http://proxy:3128",
            httpsProxy: "https://proxy:3129",
            ftpProxy: "ftp://proxy:21",
            noProxy: "localhost,127.0.0.1",
            allProxy: "socks5://proxy:1080",
          },
        })
        .root(),
  },
  {
    name: "exec-ulimit-cgroup",
    state: () =>
      busybox()
        .run({
          shlex: "ulimit -a",
          ulimits: [
            { name: "nofile", soft: 1024, hard: 4096 },
            { name: "nproc", soft: -1, hard: -1 },
          ],
          cgroupParent: "/buildkit/golden",
        })
        .root(),
  },
  {
    name: "exec-valid-exit-codes",
    state: () => busybox().run({ shlex: "grep -q x /etc/passwd", validExitCodes: [0, 1, 255] }).root(),
  },
  {
    name: "exec-metadata-options",
    state: () =>
      busybox()
        .run({
          shlex: "date",
          ignoreCache: true,
          customName: "print the date",
          description: { "com.example.step": "1", "com.example.kind": "exec" },
          progressGroup: { id: "pg-1", name: "Group One", weak: true },
          exportCache: true,
        })
        .root(),
  },
  {
    name: "exec-custom-namef",
    state: () => busybox().run({ shlex: "make", customName: `[${1}/${3}] RUN ${"make"}`, exportCache: false }).root(),
  },
  {
    name: "exec-caps-unknown",
    state: () => busybox().addEnv("FOO", "bar").run({ shlex: "env" }).root(),
    opts: { caps: [] },
  },
  {
    name: "exec-caps-known",
    state: () => busybox().addEnv("FOO", "bar").run({ shlex: "env" }).root(),
    opts: { caps: allCaps },
  },
  {
    name: "exec-caps-unknown-path-set",
    state: () => busybox().addEnv("PATH", "/custom/bin").run({ shlex: "env" }).root(),
    opts: { caps: [] },
  },
  {
    name: "exec-caps-unknown-windows",
    state: () => image("mcr.microsoft.com/windows/nanoserver:ltsc2022").run({ shlex: "cmd /c dir" }).root(),
    opts: { platform: platforms.windowsAmd64, caps: [] },
  },
  {
    name: "exec-int64-options",
    state: () =>
      busybox()
        .run({
          shlex: "true",
          constraints: [memoryLimit(2 * 1024 ** 3), memorySwapLimit(5 * 1024 ** 3), cpuShares(2 ** 40), cpuPeriod(2n ** 63n + 5n), cpuQuota(-1)],
          ulimits: [{ name: "fsize", soft: 2 ** 40, hard: 2n ** 53n + 2n }],
          mounts: [{ target: "/big", source: scratch(), tmpfs: { size: 8 * 1024 ** 3 } }],
        })
        .root(),
  },
  {
    name: "exec-linux-resources-cdi",
    state: () =>
      busybox()
        .run({
          shlex: "nvidia-smi",
          linuxResources: {
            memory: 1 << 30,
            memorySwap: 2 * (1 << 30),
            cpuShares: 512,
            cpuPeriod: 100000,
            cpuQuota: 50000,
            cpusetCpus: "0-1",
            cpusetMems: "0",
          },
          constraints: [memoryLimit(512 * (1 << 20)), cpuQuota(25000), cpusetCpus("2-3")],
          cdiDevices: [{ name: "nvidia.com/gpu=all" }, { name: "vendor.com/dev=1", optional: true }],
        })
        .root(),
  },
  {
    name: "exec-readonly-rootfs",
    state: () => {
      const es = busybox().run({ shlex: "cp /bin/busybox /out/", readonlyRootfs: true });
      return es.addMount("/out", scratch());
    },
  },
];
