// Location of the .proto sources for runtime reflection (protobufjs Root.load).
// Files live under their Go import path, so `includeDirs: [protoRoot()]`
// resolves every import unchanged; google/protobuf/* imports come from
// protobufjs's bundled common protos.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository's/package's proto/ directory. */
export function protoRoot(): string {
  // This file runs from src/proto/ (tsx/ts-node) or dist/src/proto/ (compiled).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    dir = dirname(dir);
    const candidate = join(dir, "proto");
    if (existsSync(join(candidate, "github.com", "moby", "buildkit"))) return candidate;
  }
  throw new Error("tsfrontend: cannot locate the proto/ directory");
}

/** Import paths (relative to protoRoot()) of the schema's entry files. */
export const protoFiles = {
  ops: "github.com/moby/buildkit/solver/pb/ops.proto",
  control: "github.com/moby/buildkit/api/services/control/control.proto",
  worker: "github.com/moby/buildkit/api/types/worker.proto",
  gateway: "github.com/moby/buildkit/frontend/gateway/pb/gateway.proto",
  caps: "github.com/moby/buildkit/util/apicaps/pb/caps.proto",
  policy: "github.com/moby/buildkit/sourcepolicy/pb/policy.proto",
  policySession: "github.com/moby/buildkit/sourcepolicy/policysession/policysession.proto",
  filesync: "github.com/moby/buildkit/session/filesync/filesync.proto",
  auth: "github.com/moby/buildkit/session/auth/auth.proto",
  secrets: "github.com/moby/buildkit/session/secrets/secrets.proto",
  sshforward: "github.com/moby/buildkit/session/sshforward/ssh.proto",
  upload: "github.com/moby/buildkit/session/upload/upload.proto",
  exporter: "github.com/moby/buildkit/session/exporter/exporter.proto",
  errdefs: "github.com/moby/buildkit/solver/errdefs/errdefs.proto",
  stack: "github.com/moby/buildkit/util/stack/stack.proto",
  fsutilStat: "github.com/tonistiigi/fsutil/types/stat.proto",
  fsutilWire: "github.com/tonistiigi/fsutil/types/wire.proto",
  status: "google/rpc/status.proto",
  health: "grpc/health/v1/health.proto",
  content: "github.com/containerd/containerd/api/services/content/v1/content.proto",
} as const;
