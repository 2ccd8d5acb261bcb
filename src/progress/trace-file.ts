// `--trace FILE`: every SolveStatus the client receives, appended to FILE as
// one JSON document per line, as buildctl v0.32.2 writes it (cmd/buildctl/build.go
// openTraceFile: O_APPEND|O_CREATE|O_WRONLY, mode 0600; json.Encoder.Encode of each
// *client.SolveStatus, i.e. the `--progress rawjson` lines). The file is opened
// before the build starts, so an unwritable path fails first.

import { closeSync, openSync, writeSync } from "node:fs";
import { marshalSolveStatus } from "./rawjson.js";
import type { SolveStatus } from "./types.js";

export interface TraceFile {
  write(status: SolveStatus): void;
  close(): void;
}

/** Opens (creates, appends to) a trace file; throws the open error (ENOENT, EACCES...) as it is. */
export function openTraceFile(path: string): TraceFile {
  const fd = openSync(path, "a", 0o600);
  let open = true;
  return {
    write(status) {
      if (open) writeSync(fd, marshalSolveStatus(status) + "\n");
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
