// A deferred NODE_EXTRA_CA_CERTS (the installed command's start) is trusted as Node trusts the
// variable: by the registry client's HTTPS, the token fetch and the daemon's TLS channel. An HTTPS server on
// localhost with a certificate of test/fixtures/extra-ca/ca.pem is reached only with that CA.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, get, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { rootCertificates } from "node:tls";
import { httpRequest } from "../../client/http-request.js";
import { adoptDeferredExtraCaCerts, DEFERRED_EXTRA_CA_ENV } from "./extra-ca-env.js";
import { defaultCaCertificates } from "./extra-ca.js";

const fixtures = fileURLToPath(new URL("../../../../test/fixtures/extra-ca/", import.meta.url));
const caFile = `${fixtures}ca.pem`;
let server: Server;
let url = "";

before(async () => {
  server = createServer({ cert: readFileSync(`${fixtures}localhost.pem`), key: readFileSync(`${fixtures}localhost-key.pem`) }, (_req, res) => {
    res.end("hello over TLS");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://localhost:${(server.address() as AddressInfo).port}/`;
});
after(() => server.close());

test("nothing deferred: Node's own store is used (no CA list is passed)", () => {
  adoptDeferredExtraCaCerts({});
  assert.equal(defaultCaCertificates(), undefined);
});

test("deferred: the variable comes back for child processes, and TLS trusts Node's roots and the file", async () => {
  // Before: the server's CA is unknown (NODE_EXTRA_CA_CERTS of this process does not name it).
  await assert.rejects(
    new Promise((resolve, reject) => get(url, resolve).on("error", reject)),
    /self[- ]signed|unable to (get|verify)/i,
  );

  const env: NodeJS.ProcessEnv = { [DEFERRED_EXTRA_CA_ENV]: caFile, NODE_EXTRA_CA_CERTS: "" };
  adoptDeferredExtraCaCerts(env);
  assert.deepEqual(env, { NODE_EXTRA_CA_CERTS: caFile });
  const certs = defaultCaCertificates()!;
  assert.equal(certs.length, rootCertificates.length + 1);
  assert.equal(certs.at(-1), readFileSync(caFile, "latin1").trim());

  // The registry client's agent is made on first HTTPS use, after the adoption (as in the CLI).
  const res = await httpRequest(url);
  assert.equal(await res.text(), "hello over TLS");
});
