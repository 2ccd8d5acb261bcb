/** Golden cases mirroring test/golden/go/cases_meta.go (meta and source map cases). */

import type { GoldenCase } from "../case.js";
import {
  image,
  merge,
  mkdir,
  SourceMap,
  withCustomName,
  withDescription,
  withExportCache,
  withoutDefaultExportCache,
  type PbRange,
  type State,
} from "../../../src/llb/index.js";
import { allCaps } from "./caps.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

/** Go's rng: 1-based lines, 0-based columns. */
function rng(startLine: number, startChar: number, endLine: number, endChar: number): PbRange {
  return { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } };
}

export const cases: GoldenCase[] = [
  {
    name: "meta-worker-constraints",
    state: () => busybox().run({ shlex: "true", workerConstraints: ["label:gpu==true", "os==linux"] }).root(),
    opts: { workerConstraints: ["global==1"] },
  },
  {
    name: "meta-marshal-level",
    state: () => busybox().run({ shlex: "true" }).root(),
    opts: { description: { global: "yes" }, ignoreCache: true, exportCache: true },
  },
  {
    name: "meta-description-merge",
    state: () =>
      busybox()
        .run({
          shlex: "true",
          constraints: [
            withDescription({ a: "1", b: "2" }),
            withCustomName("first"),
            withDescription({ b: "3", "llb.customname": "second" }),
          ],
        })
        .root(),
  },
  {
    name: "meta-without-default-export-cache",
    state: () => busybox().run({ shlex: "true", constraints: [withExportCache, withoutDefaultExportCache] }).root(),
  },
  {
    name: "meta-same-op-two-vertices",
    state: () => {
      const a = image("alpine:3.20", { description: { from: "a", a: "1" } });
      const b = image("alpine:3.20", { description: { from: "b", b: "1" } });
      return busybox()
        .run({
          shlex: "true",
          mounts: [
            { target: "/a", source: a, readonly: true },
            { target: "/b", source: b, readonly: true },
          ],
        })
        .root();
    },
  },
  {
    name: "meta-integer-like-keys",
    state: () =>
      busybox()
        .run({
          shlex: "true",
          description: { "2": "two", "10": "ten", "1": "one", "007": "bond", "-1": "minus", "": "", "empty-value": "" },
        })
        .root(),
  },
  {
    name: "meta-caps-marshal-no-exec",
    state: () => busybox().file(mkdir("/x", 0o755)),
    opts: { caps: allCaps },
  },

  // Source maps.
  {
    name: "sourcemap-basic",
    state: () => {
      const sm = new SourceMap("build.ts", { language: "typescript", data: "const a = 1;\nrun('make');\n" });
      return busybox().run({ shlex: "make", sourceLocations: [sm.at([rng(2, 0, 2, 11)])] }).root();
    },
  },
  {
    name: "sourcemap-multi",
    state: () => {
      const ts = new SourceMap("build.ts", { language: "typescript", data: "line1\nline2\nline3\nline4\n" });
      const df = new SourceMap("Dockerfile", { language: "Dockerfile", data: "FROM busybox\nRUN make\n" });
      let st = image("busybox:1.36", { sourceLocations: [df.at([rng(1, 0, 1, 12)])] });
      st = st
        .run({
          shlex: "make",
          sourceLocations: [ts.at([rng(2, 0, 2, 5), rng(4, 1, 4, 3)]), df.at([rng(2, 0, 2, 8)])],
        })
        .root();
      return st.file(mkdir("/out", 0o755), { sourceLocations: [ts.at([rng(3, 0, 3, 5)])] });
    },
  },
  {
    name: "sourcemap-equal-maps-dedup",
    state: () => {
      const sm1 = new SourceMap("build.ts", { language: "typescript", data: "same" });
      const sm2 = new SourceMap("build.ts", { language: "typescript", data: "same" });
      return busybox()
        .run({ shlex: "one", sourceLocations: [sm1.at([rng(1, 0, 1, 4)])] })
        .root()
        .run({ shlex: "two", sourceLocations: [sm2.at([rng(1, 1, 1, 2)])] })
        .root();
    },
  },
  {
    name: "sourcemap-duplicate-vertex",
    state: () => {
      const sm = new SourceMap("build.ts", { language: "typescript", data: "x\ny\n" });
      const a = image("alpine:3.20", { sourceLocations: [sm.at([rng(1, 0, 1, 1)])] });
      const b = image("alpine:3.20", { sourceLocations: [sm.at([rng(2, 0, 2, 1)])] });
      return merge([a, busybox(), b]);
    },
  },
  {
    name: "sourcemap-with-definition",
    state: () => {
      const frontendImg = image("docker/dockerfile:1.7");
      const sm = new SourceMap("Dockerfile", { language: "Dockerfile", data: "FROM busybox\n", state: frontendImg });
      return busybox().run({ shlex: "true", sourceLocations: [sm.at([rng(1, 0, 1, 12)])] }).root();
    },
  },
  {
    name: "sourcemap-empty-ranges",
    state: () => {
      const sm = new SourceMap("");
      return busybox().run({ shlex: "true", sourceLocations: [sm.at([]), sm.at([{}])] }).root();
    },
  },
];
