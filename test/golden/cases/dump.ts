/** Golden cases mirroring test/golden/go/cases_dump.go (what `buildctl debug dump-llb` escapes). */

import type { GoldenCase } from "../case.js";
import { image, mkfile, scratch, type State } from "../../../src/llb/index.js";

const busybox = (): State => image("docker.io/library/busybox:1.36");

export const cases: GoldenCase[] = [
  {
    name: "dump-escapes",
    state: () => {
      const st = busybox().addEnv("HTML", "<b>&amp;</b>").dir('/dir "q"\\');
      const run = st.run({
        args: ["sh", "-c", "echo '<a href=\"x\">&</a>' \t\x01\x7f \u2028\u2029 \u00ad \u{1F600} \\"],
        mounts: [{ target: '/mnt/<cache> & "x"', source: scratch(), cache: { id: "id<&>", sharing: "shared" } }],
        description: { "\uff21": "fullwidth", "\u{1F511}": "astral", "<k>": "&v", "z\x01": "\u2028" },
      });
      return run.root().file(
        mkfile('/f\n<&>"\\', 0o644, new Uint8Array([...Buffer.from("<html>&\x00"), 0xff]))
          .mkdir("/d\ttab", 0o755)
          .rm("/r\x1b[0m"),
        { customName: 'file <&> "q"' },
      );
    },
  },
];
