/** Golden cases mirroring test/golden/go/cases_state.go. */

import {
  addEnv,
  dir,
  hostname,
  image,
  NetMode,
  network,
  platforms,
  security,
  SecurityMode,
  user,
  type State,
} from "../../../src/llb/index.js";
import type { GoldenCase } from "../case.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

export const cases: GoldenCase[] = [
  {
    name: "state-env-order",
    state: () =>
      busybox()
        .addEnv("A", "1")
        .addEnv("B", "2")
        .addEnv("C", "3")
        .addEnv("A", "4")
        .addEnv("D", `${"d"}-${String(7).padStart(3, "0")}`)
        .addEnv("E", "")
        .run({ shlex: "env" })
        .root(),
  },
  {
    name: "state-env-run-override",
    state: () => busybox().addEnv("X", "state").addEnv("Y", "y").run({ shlex: "env", env: { X: "run" } }).root(),
  },
  {
    name: "state-dir-relative-chain",
    state: () => busybox().dir("/a").dir("b").dir("../c").dir(`d${1}`).run({ shlex: "pwd" }).root(),
  },
  {
    name: "state-dir-absolute-uncleaned",
    state: () => busybox().dir("/x//y/./").run({ shlex: "pwd" }).root(),
  },
  {
    name: "state-dir-relative-on-root",
    state: () => busybox().dir("rel/dir/").run({ shlex: "pwd" }).root(),
  },
  {
    name: "state-user-hostname-network-security",
    state: () =>
      busybox()
        .user("1000:1000")
        .hostname("state-host")
        .network(NetMode.HOST)
        .security(SecurityMode.INSECURE)
        .run({ shlex: "id" })
        .root(),
  },
  {
    name: "state-values-inherited",
    state: () => {
      let st = busybox().addEnv("KEEP", "1").user("nobody").dir("/w");
      st = st.run({ shlex: "first" }).root();
      st = st.dir("sub").run({ shlex: "second" }).root();
      return st;
    },
  },
  {
    name: "state-platform",
    state: () => busybox().platform({ os: "linux", architecture: "arm64", variant: "v8" }).run({ shlex: "uname -m" }).root(),
  },
  {
    name: "state-with-helpers",
    state: () =>
      busybox()
        .with(addEnv("W", "1"), dir("/with"), user("w"), hostname("w-host"), network(NetMode.NONE), security(SecurityMode.SANDBOX))
        .run({ shlex: "true" })
        .root(),
  },
  {
    name: "state-reset",
    state: () => {
      const other = image("alpine:3.20").addEnv("FROM_OTHER", "1").user("other").dir("/other");
      return busybox().addEnv("FROM_BUSYBOX", "1").reset(other).run({ shlex: "env" }).root();
    },
  },
  {
    name: "state-reset-platform-image",
    state: () => {
      const other = image("alpine:3.20").addEnv("FROM_OTHER", "1").dir("/other");
      return image("busybox:1.36", { platform: platforms.linuxArm64 }).dir("/mine").reset(other).run({ shlex: "env" }).root();
    },
  },
  {
    name: "state-async",
    state: () =>
      busybox()
        .async(async (st) => st.addEnv("ASYNC", "yes").dir("/async"))
        .run({ shlex: "env" })
        .root(),
  },
  {
    name: "state-marshal-defaults",
    state: () => busybox().run({ shlex: "a", customName: "per-op" }).root().setMarshalDefaults({ customName: "default-name" }),
  },
];
