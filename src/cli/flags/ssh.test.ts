import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../errors.js";
import { parseSshSpecs } from "./ssh.js";

test("parseSshSpecs follows buildctl's ParseSSH", () => {
  assert.deepEqual(parseSshSpecs(["default", "a=x,y", "b=/s.sock,raw=true", "=k", "c=raw=false,z"]), [
    { id: "default", paths: [], raw: false },
    { id: "a", paths: ["x", "y"], raw: false },
    { id: "b", paths: ["/s.sock"], raw: true },
    { id: "", paths: ["k"], raw: false },
    { id: "c", paths: ["z"], raw: false },
  ]);
  assert.throws(() => parseSshSpecs(["a=s,raw=yes"]), (e: unknown) => e instanceof UsageError && e.flag === "--ssh" && /invalid value for 'raw': yes/.test(e.message));
  assert.throws(() => parseSshSpecs(["a=s1,s2,raw=1"]), /raw mode must supply exactly one socket path for "a"/);
  // Go cuts at the first "=": this is agent "a,raw" with the path "true".
  assert.deepEqual(parseSshSpecs(["a,raw=true"]), [{ id: "a,raw", paths: ["true"], raw: false }]);
});
