/**
 * File names that are not valid UTF-8 end to end, against the daemon named
 * by BUILDKIT_HOST (a Linux file name is bytes; Go strings carry them as
 * they are, and buildctl exports them): `tsfrontend build -f
 * fixtures/raw-names.ts` with a `--local context=DIR` holding Latin-1 and
 * 0xff names (FileSync: our sender lists them byte for byte and the RUN finds
 * them by their bytes), a RUN on the busybox shell image making such names
 * (a file, a directory, a hardlink and a symlink whose target is one), and
 * `-o type=local` (FileSend: our receiver writes the exact bytes).
 */

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ok, requireEnv, runCli, tempDir } from "./lib/env.js";
import { ensureShellImage } from "./lib/shell-image.js";

const l1 = (s: string) => Buffer.from(s, "latin1");
let work: ReturnType<typeof tempDir>;
let dest: string;
let stderr = "";

/** `dir/name` with `name` as raw bytes. */
const at = (dir: string, ...names: Buffer[]) => Buffer.concat([Buffer.from(dir), ...names.flatMap((n) => [Buffer.from("/"), n])]);

before(async () => {
  requireEnv();
  work = tempDir("raw-names");
  const shell = await ensureShellImage();
  const ctxDir = join(work.dir, "ctx");
  mkdirSync(ctxDir);
  writeFileSync(at(ctxDir, l1("ctx\xff")), "from the context\n");
  mkdirSync(at(ctxDir, l1("\xe9t\xe9")));
  writeFileSync(at(ctxDir, l1("\xe9t\xe9"), l1("caf\xe9")), "from a Latin-1 dir in the context\n");
  writeFileSync(join(ctxDir, "plain.txt"), "plain\n");
  dest = join(work.dir, "out");
  const r = await runCli([
    "build",
    "-f",
    "test/e2e/fixtures/raw-names.ts",
    "--build-arg",
    `SHELL_IMAGE=${shell.ref}`,
    "--build-arg",
    `SALT=${randomBytes(6).toString("hex")}`,
    "--local",
    `context=${ctxDir}`,
    "--progress",
    "plain",
    "-o",
    `type=local,dest=${dest}`,
  ]);
  stderr = r.stderr;
  ok(r, "tsfrontend build");
});

after(() => work?.remove());

test("the build reports no malformed packet", () => {
  assert.doesNotMatch(stderr, /malformed/);
});

test("-o type=local writes names made in the build byte for byte", () => {
  const names = readdirSync(dest, { encoding: "buffer" }).map((n) => n.toString("latin1")).sort();
  assert.deepEqual(names, ["context-list", "d\xe9j\xe0", "f\xff", "from-context", "from-context-dir", "link\xfe"].sort());
  assert.equal(readFileSync(at(dest, l1("f\xff")), "utf8"), "made in the build\n");
  const cafe = at(dest, l1("d\xe9j\xe0"), l1("caf\xe9"));
  assert.equal(readFileSync(cafe, "utf8"), "latin-1\n");
  assert.deepEqual(readdirSync(at(dest, l1("d\xe9j\xe0")), { encoding: "buffer" }).sort(Buffer.compare), [l1("caf\xe9"), l1("hard")]);
  assert.equal(lstatSync(at(dest, l1("d\xe9j\xe0"), l1("hard"))).ino, lstatSync(cafe).ino, "the hardlink is one");
  assert.deepEqual(readlinkSync(at(dest, l1("link\xfe")), { encoding: "buffer" }), l1("f\xff"));
});

test("a context with such names reaches the build byte for byte", () => {
  assert.equal(readFileSync(join(dest, "from-context"), "utf8"), "from the context\n");
  assert.equal(readFileSync(join(dest, "from-context-dir"), "utf8"), "from a Latin-1 dir in the context\n");
  const listed = readFileSync(join(dest, "context-list")).toString("latin1").split("\n").filter(Boolean).sort();
  assert.deepEqual(listed, ["ctx\xff", "plain.txt", "\xe9t\xe9"]);
});
