import { test } from "node:test";
import assert from "node:assert/strict";
import { cloneDockerOCIImage, goTimeFromDate, marshalDockerOCIImage, newDockerOCIImage, parseDockerOCIImage } from "./image-config.js";

test("DockerOCIImage round trip matches Go's json.Unmarshal + json.Marshal (checked with go1.26)", () => {
  const input =
    `{"created":"2024-05-01T10:00:00.500+00:00","architecture":"amd64","os":"linux","config":{"Env":["A=b"],` +
    `"Healthcheck":{"Test":["CMD","x"],"Interval":30000000000},"Labels":{"b":"1","a":"<&>"},"ExposedPorts":{"80/tcp":{}},"unknown":1},` +
    `"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created":"2024-05-01T10:00:00Z","created_by":"x","empty_layer":true}]}`;
  assert.equal(
    marshalDockerOCIImage(parseDockerOCIImage(input)),
    `{"created":"2024-05-01T10:00:00.5Z","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},` +
      `"history":[{"created":"2024-05-01T10:00:00Z","created_by":"x","empty_layer":true}],"config":{"ExposedPorts":{"80/tcp":{}},` +
      `"Env":["A=b"],"Labels":{"a":"\\u003c\\u0026\\u003e","b":"1"},"Healthcheck":{"Test":["CMD","x"],"Interval":30000000000}}}`,
  );
  const zero = newDockerOCIImage();
  zero.created = goTimeFromDate(new Date(1700000000_000));
  assert.equal(marshalDockerOCIImage(zero), `{"created":"2023-11-14T22:13:20Z","architecture":"","os":"","rootfs":{"type":"","diff_ids":null},"config":{}}`);
});

test("parseDockerOCIImage: keys fold case, wrong types fail with encoding/json's message", () => {
  const img = parseDockerOCIImage(`{"OS":"linux","Config":{"workingdir":"/w","Shell":["a"],"OnBuild":["RUN x"]}}`);
  assert.equal(img.os, "linux");
  assert.equal(img.config.workingDir, "/w");
  assert.deepEqual(img.config.shell, ["a"]);
  assert.deepEqual(img.config.onBuild, ["RUN x"]);
  assert.throws(() => parseDockerOCIImage(`{"config":{"Healthcheck":{"Retries":"3"}}}`), {
    message: "json: cannot unmarshal string into Go struct field HealthcheckConfig.config.DockerOCIImageConfigExt.Healthcheck.Retries of type int",
  });
  for (const [input, msg] of [
    [`{"os":1}`, "DockerOCIImage.Image.Platform.os of type string"],
    [`{"rootfs":{"type":1}}`, "RootFS.Image.rootfs.type of type string"],
    [`{"history":[{"created_by":1}]}`, "History.Image.history.created_by of type string"],
    [`{"config":{"Healthcheck":{"Interval":1.5}}}`, "HealthcheckConfig.config.DockerOCIImageConfigExt.Healthcheck.Interval of type time.Duration"],
    [`{"config":{"Env":"x"}}`, "DockerOCIImageConfig.config.ImageConfig.Env of type []string"],
  ] as const) {
    assert.throws(() => parseDockerOCIImage(input), (e: unknown) => (e as Error).message.endsWith("Go struct field " + msg), input);
  }
});

test("cloneDockerOCIImage copies every slice and map", () => {
  const a = parseDockerOCIImage(`{"config":{"Env":["A=1"],"Labels":{"x":"1"},"Volumes":{"/v":{}},"Healthcheck":{"Test":["NONE"]}},"history":[{"created_by":"x"}]}`);
  const b = cloneDockerOCIImage(a);
  b.config.env!.push("B=2");
  b.config.labels!.set("y", "2");
  b.config.volumes!.add("/w");
  b.config.healthcheck!.test!.push("x");
  b.history!.push({ createdBy: "more", author: "", comment: "", emptyLayer: true });
  assert.deepEqual(a.config.env, ["A=1"]);
  assert.equal(a.config.labels!.size, 1);
  assert.equal(a.config.volumes!.size, 1);
  assert.deepEqual(a.config.healthcheck!.test, ["NONE"]);
  assert.equal(a.history!.length, 1);
});
