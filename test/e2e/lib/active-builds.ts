/**
 * The builds a buildkitd is running now: `Control.ListenBuildHistory` with
 * ActiveOnly and EarlyExit (what `buildctl debug history`/`buildx history ls`
 * read), the refs of the records it reports as started and not completed.
 */

import { BuildkitConnection } from "../../../src/client/connection.js";
import { moby } from "../../../src/proto/index.js";

const control = moby.buildkit.v1;

/** Refs of the builds `address` is running. */
export async function activeBuilds(address: string): Promise<string[]> {
  const conn = new BuildkitConnection(address);
  try {
    await conn.waitReady(5000);
    const stream = conn.serverStream("/moby.buildkit.v1.Control/ListenBuildHistory", control.BuildHistoryRequest, control.BuildHistoryEvent, { ActiveOnly: true, EarlyExit: true });
    const active = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (e: moby.buildkit.v1.BuildHistoryEvent) => {
        const ref = e.record?.Ref ?? "";
        if (!ref) return;
        // 0 STARTED, 1 COMPLETE, 2 DELETED
        if ((e.type ?? 0) === 0 && !e.record?.CompletedAt) active.add(ref);
        else active.delete(ref);
      });
      stream.on("error", reject);
      stream.on("end", () => resolve());
    });
    return [...active];
  } finally {
    conn.close();
  }
}
