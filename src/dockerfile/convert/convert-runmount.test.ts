import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError } from "../../errors.js";
import { Caps, local, NetMode, parsePlatform, scratch, SecurityMode } from "../../llb/index.js";
import type { RunCommand } from "../instructions/commands.js";
import { parseInstruction } from "../instructions/parse.js";
import { Linter } from "../linter/linter.js";
import { parse } from "../parser/parser.js";
import { Lex } from "../shell/lex.js";
import { Stage } from "../instructions/commands.js";
import { dispatchRunMounts } from "./convert-runmount.js";
import { dispatchRunNetwork } from "./convert-runnetwork.js";
import { dispatchRunSecurity } from "./convert-runsecurity.js";
import { withSecretEnvMask } from "./convert-secrets.js";
import { DispatchState, DispatchStates, type DispatchOpt } from "./dispatch-state.js";

function runCommand(line: string): RunCommand {
  const node = parse(line).ast.children[0]!;
  const c = parseInstruction(node) as RunCommand;
  c.expand((w) => w);
  return c;
}

function dispatchOpt(caps: string[] = []): DispatchOpt {
  return {
    allDispatchStates: new DispatchStates(),
    globalArgs: { get: () => undefined, keys: () => [] },
    buildArgValues: {},
    shlex: new Lex("\\"),
    buildContext: local("context"),
    proxyEnv: undefined,
    cacheIDNamespace: "ns",
    targetPlatform: parsePlatform("linux/amd64"),
    buildPlatforms: [parsePlatform("linux/amd64")],
    extraHosts: [],
    shmSize: 0,
    ulimit: [],
    devices: [],
    cgroupParent: "",
    linuxResources: undefined,
    llbCaps: new Set(caps),
    sourceMap: undefined,
    lint: new Linter({}),
    dockerIgnoreMatcher: undefined,
  };
}

function stage(dir = "/work"): DispatchState {
  const d = new DispatchState(new Stage({ name: "s" }));
  d.state = scratch().dir(dir);
  return d;
}

test("dispatchRunMounts: bind, cache, tmpfs with their keys", () => {
  const c = runCommand(
    "RUN --mount=type=bind,source=src,target=/src,rw --mount=type=cache,target=cache,sharing=locked,uid=1,mode=0700 --mount=type=tmpfs,target=/t,size=1m --mount=target=/ro true",
  );
  const d = stage();
  const from = new DispatchState(new Stage({ baseName: "scratch" }));
  from.state = scratch();
  from.dispatched = true;
  const m = dispatchRunMounts(d, c, [undefined, from, undefined, undefined], dispatchOpt([Caps.ExecMountBindReadWriteNoOutput]));
  assert.equal(m.mounts.length, 4);
  const [bind, cache, tmpfs, ro] = m.mounts;
  assert.deepEqual([bind!.target, bind!.selector, bind!.forceNoOutput, bind!.readonly], ["/src", "/src", true, undefined]);
  assert.equal(cache!.target, "/work/cache");
  assert.deepEqual(cache!.cache, { id: "ns/cache", sharing: "locked" });
  assert.equal(cache!.selector, "/cache"); // uid/mode: a prepared /cache directory
  assert.deepEqual(tmpfs!.tmpfs, { size: 1048576 });
  assert.equal(ro!.readonly, true);
  assert.deepEqual([...d.ctxPaths].sort(), ["/", "/src"]);
  assert.deepEqual([...from.paths], ["/"]);
});

test("dispatchRunMounts: secrets and ssh go to their own lists and the outline", () => {
  const c = runCommand("RUN --mount=type=secret,id=tok,env=TOKEN --mount=type=secret,target=/run/x,required --mount=type=ssh,uid=5 true");
  const d = stage();
  const m = dispatchRunMounts(d, c, [], dispatchOpt());
  assert.equal(m.mounts.length, 0);
  assert.deepEqual(m.secrets, [
    { id: "tok", optional: true, env: "TOKEN" },
    { id: "x", target: "/run/x" },
  ]);
  assert.deepEqual(m.ssh, [{ id: "", optional: true, target: "", uid: 5, gid: 0, mode: 0o600 }]);
  assert.deepEqual([...d.outline.secrets.keys()], ["tok", "x"]);
  assert.deepEqual([...d.outline.ssh.keys()], ["default"]);
  const env = withSecretEnvMask(c, { get: (k) => (k === "A" ? "1" : undefined), keys: () => ["A", "TOKEN"] });
  assert.equal(env.get("TOKEN"), "****");
  assert.deepEqual(env.keys(), ["A", "TOKEN"]);
});

test("dispatchRunMounts: errors", () => {
  const d = stage("/");
  assert.throws(() => dispatchRunMounts(d, runCommand("RUN --mount=target=. true"), [], dispatchOpt()), (e: unknown) => e instanceof DockerfileError && e.message === 'invalid mount target "/"');
  const from = new DispatchState(new Stage({ baseName: "build" }));
  assert.throws(
    () => dispatchRunMounts(d, runCommand("RUN --mount=from=build,target=/b true"), [from], dispatchOpt()),
    (e: unknown) => e instanceof DockerfileError && e.message === 'cannot mount from stage "build" to "/b", stage needs to be defined before current command',
  );
  assert.throws(() => dispatchRunMounts(d, runCommand("RUN --mount=type=ssh,src=x true"), [], dispatchOpt()), /ssh does not support source/);
});

test("dispatchRunNetwork / dispatchRunSecurity", () => {
  assert.equal(dispatchRunNetwork(runCommand("RUN true")), undefined);
  assert.equal(dispatchRunNetwork(runCommand("RUN --network=none true")), NetMode.NONE);
  assert.equal(dispatchRunNetwork(runCommand("RUN --network=host true")), NetMode.HOST);
  assert.equal(dispatchRunSecurity(runCommand("RUN true")), SecurityMode.SANDBOX);
  assert.equal(dispatchRunSecurity(runCommand("RUN --security=insecure true")), SecurityMode.INSECURE);
});
