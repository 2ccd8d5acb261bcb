/** `tsfrontend daemon status|stop`: where the daemon is, and stopping the buildkitd tsfrontend started. */

import type { Command } from "commander";

export function registerDaemon(program: Command): void {
  const daemon = program.command("daemon").description("the buildkitd tsfrontend uses: status, and stopping the one it started");
  daemon
    .command("status")
    .description("print which buildkitd tsfrontend would use and whether it answers (never starts one)")
    .action(async (_flags: unknown, cmd: Command) => {
      const { runStatus } = await import("../actions/daemon.js");
      await runStatus(cmd);
    });
  daemon
    .command("stop")
    .description("stop the buildkitd tsfrontend started (its build cache stays), and remove its leftover build containers and mounts")
    .action(async () => {
      const { runStop } = await import("../actions/daemon.js");
      await runStop();
    });
}
