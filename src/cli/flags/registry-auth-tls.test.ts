import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRegistryAuthTlsContexts } from "./registry-auth-tls.js";

test("parses and merges per host as buildctl's ParseRegistryAuthTLSContext", () => {
  const got = parseRegistryAuthTlsContexts([
    "host=https://a:5000,ca=/ca1.pem",
    "HOST=https://a:5000,ca=/ca2.pem,cert=/c.pem,key=/k.pem",
    "host=b,insecure=true",
    "host=b,insecure=nonsense,ca=/x",
  ]);
  assert.deepEqual(got.get("https://a:5000"), { rootCAs: ["/ca1.pem", "/ca2.pem"], keyPairs: [{ certificate: "/c.pem", key: "/k.pem" }], insecure: false });
  assert.deepEqual(got.get("b"), { rootCAs: ["/x"], keyPairs: [], insecure: true });
});

test("buildctl's errors", () => {
  assert.throws(() => parseRegistryAuthTlsContexts(["ca=/x"]), /requires host=<host>/);
  assert.throws(() => parseRegistryAuthTlsContexts(["host=a"]), /requires ca=<ca> or cert=<cert>,key=<key> or insecure=true/);
  assert.throws(() => parseRegistryAuthTlsContexts(["host=a,cert=/c"]), /requires ca=<ca> or cert=<cert>,key=<key> or insecure=true/);
  assert.throws(() => parseRegistryAuthTlsContexts(["host=a,ca=/x,cert=/c"]), /requires cert=<cert>,key=<key>/);
  assert.throws(() => parseRegistryAuthTlsContexts(["host=a,novalue"]), /invalid value novalue/);
  assert.throws(() => parseRegistryAuthTlsContexts(['host="a']), /parse error/);
});
