import { test } from "node:test";
import assert from "node:assert/strict";
import { dialTarget } from "./connection.js";
import { BuildkitError } from "./errors.js";

test("dialTarget: unix sockets, tcp host:port (IPv6 in brackets, a trailing slash), bare host:port", () => {
  assert.deepEqual(dialTarget("unix:///run/buildkit/buildkitd.sock"), { path: "/run/buildkit/buildkitd.sock" });
  assert.deepEqual(dialTarget("tcp://127.0.0.1:1234"), { host: "127.0.0.1", port: 1234 });
  assert.deepEqual(dialTarget("tcp://buildkitd.example:1234/"), { host: "buildkitd.example", port: 1234 });
  assert.deepEqual(dialTarget("tcp://[::1]:1234"), { host: "::1", port: 1234 });
  assert.deepEqual(dialTarget("localhost:1234"), { host: "localhost", port: 1234 });
});

test("dialTarget: other schemes and addresses without a port are refused, saying what to use", () => {
  assert.throws(() => dialTarget("docker-container://bk"), (e: unknown) => e instanceof BuildkitError && e.reason === "INVALID_ADDRESS" && /use unix:\/\/\/path\/to\/buildkitd\.sock or tcp:\/\/host:port/.test(e.message));
  assert.throws(() => dialTarget("tcp://buildkitd.example"), /expected tcp:\/\/host:port/);
});
