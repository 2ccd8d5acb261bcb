import { test } from "node:test";
import assert from "node:assert/strict";
import { descriptorText, TabWriter } from "./format.js";

test("TabWriter pads with tabs as buildctl's NewWriter(w, 1, 8, 1, '\\t', 0) does", () => {
  const tw = new TabWriter();
  tw.write("ID\tSIZE\n").write("abcdefghij\t1\n");
  assert.equal(tw.take(), "ID\t\tSIZE\nabcdefghij\t1\n");
});

test("TabWriter with padchar ' ' pads cells to their column's width plus padding, as buildx's NewWriter(w, 0, 0, 1, ' ', 0)", () => {
  const tw = new TabWriter(0, 0, 2, " ");
  tw.write("DIGEST\tMEDIA TYPE\tSIZE\n").write("sha256:ab\tx\t1B\n");
  assert.equal(tw.take(), "DIGEST     MEDIA TYPE  SIZE\nsha256:ab  x           1B\n");
  // A line without tabs ends the block: the next lines are aligned on their own.
  const t2 = new TabWriter(0, 0, 1, " ");
  t2.write("a:\t1\nlonger:\t2\n\nb:\t3\n");
  assert.equal(t2.take(), "a:      1\nlonger: 2\n\nb: 3\n");
});

test("descriptorText: a Descriptor as Go's %s prints it (fields in order, zero values left out, annotations sorted, quoting)", () => {
  assert.equal(
    descriptorText({ media_type: "application/vnd.buildkit.otlp.json.v0", digest: "sha256:ab", size: 1234 }),
    'media_type:"application/vnd.buildkit.otlp.json.v0" digest:"sha256:ab" size:1234',
  );
  assert.equal(descriptorText({ digest: "sha256:ab", size: 0 }), 'digest:"sha256:ab"');
  assert.equal(descriptorText({ digest: "d", annotations: { "z.k": "1", "a.k": 'say "hi"\n\u0001é' } }), 'digest:"d" annotations:{key:"a.k" value:"say \\"hi\\"\\n\\x01é"} annotations:{key:"z.k" value:"1"}');
  assert.equal(descriptorText({}), "");
});
