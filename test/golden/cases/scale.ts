/** Golden cases mirroring test/golden/go/cases_scale.go. */

import type { GoldenCase } from "../case.js";
import { http, image, local, mkdir, mkfile, type ExtraHost, type State, type Ulimit, type UlimitName } from "../../../src/llb/index.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

/** A linear chain of exactly 1000 ops: image + 998 alternating exec/mkfile steps + terminal. */
function chain1000(): State {
  let st = image("docker.io/library/alpine:3.20");
  for (let j = 0; j < 998; j++) {
    if (j % 2 === 0) st = st.run({ shlex: `echo step-${j}` }).root();
    else st = st.file(mkfile(`/step-${j}`, 0o644, `${j}`));
  }
  return st;
}

export const cases: GoldenCase[] = [
  {
    name: "scale-chain-1000",
    state: chain1000,
  },
  {
    name: "scale-unicode",
    state: () => {
      let st = busybox().addEnv("GREETING", "こんにちは世界").addEnv("EMOJI_👍", "👩\u200d💻🚀").dir("/données/目录");
      st = st
        .run({
          args: ["echo", "e\u0301", "ñ", "שלום", "Ω≈ç√"],
          customName: "運行 🏃 café",
          description: { "ключ": "значение", "🔑": "🗝\ufe0f" },
        })
        .root();
      return st.file(
        mkdir("文件夹", 0o755)
          .mkfile("文件夹/ファイル.txt", 0o644, "内容 ✓\n")
          .copy(local("上下文"), "/源/*", "/目标/", { allowWildcard: true, includePatterns: ["*.文"] }),
      );
    },
  },
  {
    name: "scale-empty-strings",
    state: () =>
      busybox()
        .addEnv("EMPTY", "")
        .run({ args: ["printf", "", "%s\\n", ""], description: { "": "", k: "" }, customName: "" })
        .root()
        .file(mkfile("/empty", 0o644, new Uint8Array())),
  },
  {
    name: "scale-many-keys",
    state: () => {
      const desc: Record<string, string> = {};
      for (let i = 0; i < 60; i++) desc[`key.${i}`] = `value-${i * 7}`;
      const include: string[] = [];
      const exclude: string[] = [];
      for (let i = 0; i < 30; i++) include.push(`dir${String(i).padStart(2, "0")}/**/*.ts`);
      for (let i = 0; i < 25; i++) exclude.push(`**/tmp${i}`);
      const ctx = local("context", { includePatterns: include, excludePatterns: exclude });
      const dl = http("https://example.com/x", { header: { accept: "text/plain", userAgent: "golden" } });

      let st = busybox();
      for (let i = 0; i < 40; i++) st = st.addEnv(`VAR_${39 - i}`, `${i}`);
      const extraHosts: ExtraHost[] = [];
      for (let i = 0; i < 12; i++) extraHosts.push({ host: `host${i}`, ip: `10.0.0.${i}` });
      const names: UlimitName[] = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "rtprio", "stack"];
      const ulimits: Ulimit[] = names.map((name) => ({ name, soft: 1, hard: 2 }));
      return st
        .run({
          shlex: "true",
          description: desc,
          mounts: [
            { target: "/ctx", source: ctx, readonly: true },
            { target: "/dl", source: dl, readonly: true },
          ],
          extraHosts,
          ulimits,
        })
        .root();
    },
  },
];
