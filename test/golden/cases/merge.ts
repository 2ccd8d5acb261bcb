/** Golden cases mirroring test/golden/go/cases_merge.go. */

import type { GoldenCase } from "../case.js";
import {
  definitionState,
  diff,
  image,
  local,
  merge,
  mkdir,
  mkfile,
  passthrough,
  platforms,
  scratch,
  type State,
} from "../../../src/llb/index.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

export const cases: GoldenCase[] = [
  {
    name: "merge-two",
    state: () => merge([image("alpine:3.20"), busybox()]),
  },
  {
    name: "merge-four-scratch-dup",
    state: () => {
      const a = image("alpine:3.20");
      const b = busybox().file(mkfile("/b", 0o644, "b"));
      return merge([scratch(), a, b, a], { customName: "merge layers" });
    },
  },
  {
    name: "merge-single-nonscratch",
    state: () => merge([scratch(), image("alpine:3.20"), scratch()]),
  },
  {
    name: "diff-states",
    state: () => {
      const base = busybox();
      const changed = base.run({ shlex: "touch /new" }).root();
      return merge([image("alpine:3.20"), diff(base, changed)]);
    },
  },
  {
    name: "diff-scratch-lower",
    state: () => diff(scratch(), busybox()),
  },
  {
    name: "diff-scratch-upper",
    state: () => diff(busybox(), scratch(), { customName: "diff to scratch" }),
  },
  {
    name: "passthrough-requires",
    state: () => busybox().requires("check", image("alpine:3.20"), local("context")),
  },
  {
    name: "passthrough-new",
    state: () =>
      passthrough(
        "pt-id",
        [
          { state: scratch(), output: true },
          { state: image("alpine:3.20") },
          { state: busybox(), output: true },
          { state: image("debian:12"), output: true },
        ],
        { customName: "passthrough" },
      ),
  },
  {
    name: "definition-op-reimport",
    state: async () => {
      const inner = busybox().file(mkdir("/inner", 0o755), { customName: "inner mkdir" });
      const def = await inner.marshal({ platform: platforms.linuxAmd64 });
      return definitionState(def).run({ shlex: "ls /inner" }).root();
    },
  },
  {
    name: "definition-op-other-platform",
    state: async () => {
      const inner = busybox().run({ shlex: "mkdir /inner" }).root();
      const def = await inner.marshal({ platform: platforms.linuxAmd64 });
      return definitionState(def).run({ shlex: "uname -m" }).root();
    },
    opts: { platform: platforms.linuxArm64 },
  },
  {
    name: "definition-op-output-platform",
    state: async () => {
      const inner = busybox().run({ shlex: "mkdir /inner" }).root();
      const def = await inner.marshal({ platform: platforms.linuxAmd64 });
      return definitionState(def, { keepPlatform: true }).run({ shlex: "uname -m" }).root();
    },
    opts: { platform: platforms.linuxArm64 },
  },
];
