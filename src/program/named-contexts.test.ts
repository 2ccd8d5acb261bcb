import { test } from "node:test";
import assert from "node:assert/strict";

import type { GatewaySolveRequest } from "../gateway/types.js";
import { UnusedGateway } from "../gateway/unused-gateway.test-util.js";
import { decodeOp, local } from "../llb/index.js";
import { loadNamedContexts, mainContextState } from "./named-contexts.js";
import { parseProgramOpts } from "./opts.js";

/** A session whose local dirs hold the given `.dockerignore` texts (none: absent). */
class LocalsGateway extends UnusedGateway {
  readonly solves: GatewaySolveRequest[] = [];
  private readonly refs = new Map<string, string>();
  constructor(private readonly ignores: Record<string, string>) {
    super();
  }
  override async solve(req: GatewaySolveRequest) {
    this.solves.push(req);
    const name = req.definition!.def.map((d) => decodeOp(d).source?.identifier).find((x) => x?.startsWith("local://"))!.slice("local://".length);
    const id = `ref-${this.solves.length}`;
    this.refs.set(id, name);
    return { ref: { id }, metadata: {} };
  }
  override async readFile(ref: { id: string }, path: string): Promise<Uint8Array> {
    const text = this.ignores[this.refs.get(ref.id)!];
    if (path !== ".dockerignore" || text === undefined) throw new Error(`open ${path}: no such file or directory`);
    return new TextEncoder().encode(text);
  }
}

async function localAttrs(st: { marshal(): Promise<{ def: readonly Uint8Array[] }> }): Promise<Record<string, string>> {
  const def = await st.marshal();
  const src = def.def.map((d) => decodeOp(d).source).find((s) => s?.identifier.startsWith("local://"));
  assert.ok(src, "a local source");
  // local.unique differs per local() call: not what these tests compare.
  const { ["local.unique"]: _unique, ...attrs } = src.attrs ?? {};
  return attrs;
}

test("local: named contexts leave out what their .dockerignore names, as dockerui's do; none without one", async () => {
  const gw = new LocalsGateway({ src: "# comment\n*.log\n!keep.log\nbuild/\n" });
  const opts = parseProgramOpts({ "context:src": "local:src", "context:other::linux/arm64": "local:other" });
  const contexts = await loadNamedContexts({ gateway: gw, sessionID: "sess", opts });
  // One probe per local context: the .dockerignore alone, evaluated.
  assert.equal(gw.solves.length, 2);
  assert.ok(gw.solves.every((s) => s.evaluate === true));
  const probe = await localAttrs({ marshal: async () => gw.solves[0]!.definition! });
  assert.equal(probe["local.followpaths"], '[".dockerignore"]');
  const src = await localAttrs(contexts["src"]!);
  assert.equal(src["local.excludepatterns"], '["*.log","!keep.log","build"]');
  assert.equal(src["local.session"], "sess");
  assert.equal(src["local.sharedkeyhint"], "context:src-");
  const other = await localAttrs(contexts["other::linux/arm64"]!);
  assert.equal(other["local.excludepatterns"], undefined);
});

test("the main context (ctx.context) leaves out what the context's .dockerignore names; read only when marshalled; plain when it cannot be read", async () => {
  const gw = new LocalsGateway({ context: "node_modules\n.git\n" });
  const st = mainContextState(gw, undefined);
  assert.equal(gw.solves.length, 0, "nothing read before the state is used");
  const attrs = await localAttrs(st);
  assert.equal(attrs["local.excludepatterns"], '["node_modules",".git"]');
  assert.match(JSON.stringify([...gw.solves[0]!.definition!.metadata.values()]), /\[internal\] load \.dockerignore/);
  await localAttrs(st);
  assert.equal(gw.solves.length, 1, "read once however often it is marshalled");
  assert.deepEqual(await localAttrs(mainContextState(new LocalsGateway({}), undefined)), await localAttrs(local("context")));
  // No gateway (tsfrontend llb): the plain local.
  assert.deepEqual(await localAttrs(mainContextState(undefined, undefined)), await localAttrs(local("context")));
  // A session without a context local: the probe fails, the local stays plain (the build's solve says what is missing).
  const failing = new LocalsGateway({});
  failing.solve = async () => {
    throw new Error("no access allowed to dir \"context\"");
  };
  assert.deepEqual(await localAttrs(mainContextState(failing, undefined)), await localAttrs(local("context")));
});

test("<build file>.dockerignore replaces the context's .dockerignore for the main context, with no probe", async () => {
  const gw = new LocalsGateway({ context: "node_modules\n" });
  const attrs = await localAttrs(mainContextState(gw, undefined, new TextEncoder().encode("*\n!src\n")));
  assert.equal(attrs["local.excludepatterns"], '["*","!src"]');
  assert.equal(gw.solves.length, 0);
  assert.deepEqual(await localAttrs(mainContextState(gw, undefined, new Uint8Array())), await localAttrs(local("context")), "an empty one excludes nothing");
});
