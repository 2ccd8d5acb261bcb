/** `grpc.health.v1.Health`: the daemon checks it every few seconds and drops sessions that do not answer SERVING. */

import { grpc as grpcProto } from "../../proto/index.js";
import type { SessionService } from "./service.js";

const HealthCheckResponse = grpcProto.health.v1.HealthCheckResponse;

export function healthService(): SessionService {
  const serving = HealthCheckResponse.encode({ status: grpcProto.health.v1.HealthCheckResponse.ServingStatus.SERVING }).finish();
  return {
    name: "grpc.health.v1.Health",
    methods: {
      Check: { kind: "unary", handler: async () => serving },
    },
  };
}
