import { test } from "node:test";
import assert from "node:assert/strict";
import { cacheFileBytes, modulesToCache, readCacheFile } from "./compile-cache.js";

test("a cache file carries V8's data and the modules it covers; a file without the trailer covers none", () => {
  const data = Buffer.from([1, 2, 3, 4, 5]);
  const file = cacheFileBytes(data, new Set(["b.js", "a.js"]));
  const back = readCacheFile(file);
  assert.deepEqual(back.data, data);
  assert.deepEqual([...back.modules()], ["a.js", "b.js"]);
  const old = readCacheFile(data);
  assert.deepEqual(old.data, data);
  assert.equal(old.modules().size, 0);
});

test("modulesToCache: written when no cache was taken, or the run used modules it does not cover (the union)", () => {
  const covered = () => new Set(["a.js", "b.js"]);
  assert.deepEqual(modulesToCache({ used: false, modules: covered }, ["a.js"]), new Set(["a.js"]));
  assert.equal(modulesToCache({ used: true, modules: covered }, ["a.js"]), undefined);
  assert.equal(modulesToCache({ used: true, modules: covered }, []), undefined);
  assert.deepEqual(modulesToCache({ used: true, modules: covered }, ["c.js", "a.js"]), new Set(["a.js", "b.js", "c.js"]));
});
