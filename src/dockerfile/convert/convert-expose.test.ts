import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError } from "../../errors.js";
import { PortSpecs } from "./convert-expose.js";

// Cases of buildkit v0.32.2 dockerfile2llb/convert_expose_test.go.
const ps = new PortSpecs();

test("parsePort: empty container port", () => {
  for (const [spec, msg] of [
    ["", `invalid port: "": no port specified`],
    ["0.0.0.0:1234-1235:/tcp", `invalid port: "0.0.0.0:1234-1235:/tcp": no port specified`],
    ["0.0.0.0:1234-1235:", `invalid port: "0.0.0.0:1234-1235:": no port specified`],
  ] as const) {
    assert.throws(() => ps.parsePort(spec), (e: unknown) => e instanceof DockerfileError && e.message === msg);
  }
});

test("parsePort: full spec and IPv6 forms", () => {
  assert.deepEqual(ps.parsePort("0.0.0.0:1234-1235:3333-3334/tcp"), ["3333/tcp", "3334/tcp"]);
  assert.deepEqual(ps.parsePort("[2001:4860:0:2001::68]::333"), ["333/tcp"]);
  assert.deepEqual(ps.parsePort("[::1]:80:80"), ["80/tcp"]);
  assert.deepEqual(ps.parsePort("2001:4860:0:2001::68::333"), ["333/tcp"]);
  assert.deepEqual(ps.parsePort("::1:80:80"), ["80/tcp"]);
  assert.deepEqual(ps.parsePort("::::80"), ["80/tcp"]);
});

test("parsePorts: protocols, host ports, ranges", () => {
  assert.deepEqual(ps.parsePorts(["1234/tcp", "2345/udp", "3456/sctp"]), ["1234/tcp", "2345/udp", "3456/sctp"]);
  assert.deepEqual(ps.parsePorts(["0.0.0.0:1234:1234/tcp", "0.0.0.0:2345:2345/UDP"]), ["1234/tcp", "2345/udp"]);
  assert.deepEqual(ps.parsePorts(["1234-1236:1234-1236/tcp"]), ["1234/tcp", "1235/tcp", "1236/tcp"]);
  assert.throws(() => ps.parsePorts(["localhost:1234:1234/tcp"]), /invalid IP address: localhost/);
  assert.throws(() => ps.parsePorts(["localhost:1234-1236:1234-1236/tcp"]), DockerfileError);
});

test("parsePort: errors worded as Go's", () => {
  assert.throws(() => ps.parsePort("80/http"), { message: `invalid port: "80/http": invalid proto: http` });
  assert.throws(() => ps.parsePort("abc"), { message: "invalid containerPort: abc" });
  assert.throws(() => ps.parsePort("70000"), { message: "invalid containerPort: 70000" });
  assert.throws(() => ps.parsePort("90-80"), { message: "invalid containerPort: 90-80" });
  assert.throws(() => ps.parsePort("1-3:4-5"), { message: "invalid ranges specified for container and host Ports: 4-5 and 1-3" });
  assert.throws(() => ps.parsePort("x:1:2"), { message: "invalid IP address: x" });
  assert.throws(() => ps.parsePort("[::1:80:80"), { message: "invalid IP address [::1: address [::1:: missing ']' in address" });
  assert.deepEqual(ps.parsePort("1000-1002:80"), ["80/tcp"]);
  assert.deepEqual(ps.parsePort("+80"), ["80/tcp"]);
  assert.deepEqual(ps.parsePort("8080-8080"), ["8080/tcp"]);
});

test("parsePortRange / parsePortNumber", () => {
  assert.deepEqual(ps.parsePortRange("8000-8002"), [8000, 8002]);
  assert.throws(() => ps.parsePortRange(""), { message: "empty string specified for ports" });
  assert.throws(() => ps.parsePortRange("a-2"), { message: "invalid start port 'a': invalid syntax" });
  assert.throws(() => ps.parsePortRange("1-99999999999999999999"), { message: "invalid end port '99999999999999999999': value out of range" });
  assert.throws(() => ps.parsePortNumber("65536"), { message: "value out of range (0–65535)" });
});
