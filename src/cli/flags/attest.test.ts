import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../errors.js";
import { attestOpts, canonicalizeAttest, formatAttest, parseAttest } from "./attest.js";

test("canonicalizeAttest is buildx's: a Go bool is disabled=!b, anything else is appended to type=T", () => {
  assert.equal(canonicalizeAttest("sbom", ""), "");
  assert.equal(canonicalizeAttest("sbom", "true"), "type=sbom,disabled=false");
  assert.equal(canonicalizeAttest("sbom", "1"), "type=sbom,disabled=false");
  assert.equal(canonicalizeAttest("provenance", "false"), "type=provenance,disabled=true");
  assert.equal(canonicalizeAttest("provenance", "F"), "type=provenance,disabled=true");
  assert.equal(canonicalizeAttest("provenance", "mode=max"), "type=provenance,mode=max");
  assert.equal(canonicalizeAttest("sbom", "generator=reg/scan:1"), "type=sbom,generator=reg/scan:1");
});

test("parseAttest reads type and disabled case-insensitively, keeps other keys as given", () => {
  assert.deepEqual(parseAttest("type=sbom,generator=reg/scan:1,Foo=Bar"), { type: "sbom", disabled: false, attrs: { generator: "reg/scan:1", Foo: "Bar" } });
  assert.deepEqual(parseAttest("TYPE=provenance, Disabled=TRUE"), { type: "provenance", disabled: true, attrs: {} });
  assert.deepEqual(parseAttest('type=sbom,"x=a,b"'), { type: "sbom", disabled: false, attrs: { x: "a,b" } });
  // A disabled provenance is not checked further (buildkit never reads it).
  assert.equal(parseAttest("type=provenance,disabled=true,mode=bogus").disabled, true);
});

test("formatAttest writes as buildx's ToMap: type first, keys sorted, pairs with , or \" quoted", () => {
  assert.equal(formatAttest({ type: "sbom", disabled: false, attrs: { generator: "g", a: "1" } }), "type=sbom,a=1,generator=g");
  assert.equal(formatAttest({ type: "sbom", disabled: false, attrs: { x: "a,b", q: 'say "hi"' } }), 'type=sbom,"q=say ""hi""","x=a,b"');
  assert.equal(formatAttest({ type: "provenance", disabled: false, attrs: {} }), "type=provenance");
  // What it writes parses back to the same attestation.
  const a = parseAttest('type=sbom,"x=a,b","q=say ""hi""",generator=g');
  assert.deepEqual(parseAttest(formatAttest(a)), a);
});

test("attestOpts: the frontend opts buildx sends for --attest/--sbom/--provenance", () => {
  // Nothing by default (buildctl's behaviour; buildx would add a min provenance).
  assert.deepEqual(attestOpts({}), { opts: {}, types: [] });
  assert.deepEqual(attestOpts({ sbom: "generator=reg/scan:1" }).opts, { "attest:sbom": "type=sbom,generator=reg/scan:1" });
  assert.deepEqual(attestOpts({ sbom: "true" }).opts, { "attest:sbom": "type=sbom" });
  assert.deepEqual(attestOpts({ provenance: "mode=max" }).opts, { "attest:provenance": "type=provenance,mode=max" });
  assert.deepEqual(attestOpts({ provenance: "true", sbom: "generator=g,x=1" }).opts, { "attest:provenance": "type=provenance", "attest:sbom": "type=sbom,generator=g,x=1" });
  assert.deepEqual(attestOpts({ attest: ["type=provenance,mode=min", "type=sbom"] }).opts, { "attest:provenance": "type=provenance,mode=min", "attest:sbom": "type=sbom" });
  // Disabled: no opt at all, but the type counts as named.
  assert.deepEqual(attestOpts({ provenance: "false" }), { opts: {}, types: ["provenance"] });
  assert.deepEqual(attestOpts({ attest: ["type=sbom,disabled=true"] }), { opts: {}, types: ["sbom"] });
  // The first value of a type wins; --attest values come before --provenance, then --sbom.
  assert.deepEqual(attestOpts({ attest: ["type=sbom,generator=a"], sbom: "generator=b" }).opts, { "attest:sbom": "type=sbom,generator=a" });
  assert.deepEqual(attestOpts({ attest: ["type=sbom,disabled=true"], sbom: "generator=b" }).opts, {});
  assert.deepEqual(attestOpts({ attest: ["type=provenance,mode=max", "type=provenance,mode=min"] }).opts, { "attest:provenance": "type=provenance,mode=max" });
  // One key per type, whatever the case of the type.
  assert.deepEqual(attestOpts({ attest: ["type=SBOM,generator=a"], sbom: "generator=b" }).opts, { "attest:sbom": "type=SBOM,generator=a" });
});

test("attestOpts: a bad value is a one-line UsageError naming the flag that gave it", () => {
  const cases: [Parameters<typeof attestOpts>[0], string, RegExp][] = [
    [{ attest: ["generator=g"] }, "--attest", /^--attest: "generator=g": attestation type not specified \(accepted: type=sbom\|provenance/],
    [{ attest: ["type=foo"] }, "--attest", /unknown attestation type "foo"/],
    [{ attest: ["type=sbom,bogus"] }, "--attest", /invalid value bogus: want key=value/],
    [{ attest: ["type=sbom,disabled=maybe"] }, "--attest", /invalid value disabled=maybe: want true or false/],
    [{ attest: [""] }, "--attest", /empty value/],
    [{ attest: ['type=sbom,"x'] }, "--attest", /"type=sbom,\\"x"/],
    [{ attest: ["type=provenance,mode=full", "type=provenance,mode=medium"] }, "--attest", /invalid mode "medium"/],
    [{ provenance: "mode=medium" }, "--provenance", /^--provenance: "mode=medium": invalid mode "medium" \(accepted: true \| false \| mode=min\|max/],
    [{ provenance: "reproducible=yes" }, "--provenance", /invalid value reproducible=yes/],
    [{ provenance: "complete-materials=2" }, "--provenance", /invalid value complete-materials=2/],
    [{ provenance: "" }, "--provenance", /empty value/],
    [{ sbom: "generator" }, "--sbom", /^--sbom: "generator": invalid value generator: want key=value \(accepted: true \| false \| generator=REF/],
    [{ sbom: "type=provenance" }, "--sbom", /^--sbom: "type=provenance": --sbom is type=sbom; give other types with --attest/],
    [{ sbom: "disabled=nope" }, "--sbom", /invalid value disabled=nope/],
  ];
  for (const [flags, flag, re] of cases) {
    assert.throws(
      () => attestOpts(flags),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, JSON.stringify(flags));
        assert.equal(e.flag, flag, JSON.stringify(flags));
        assert.match(e.toOneLine(), re, JSON.stringify(flags));
        assert.ok(!e.toOneLine().includes("\n"));
        return true;
      },
    );
  }
});
