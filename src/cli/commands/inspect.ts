/**
 * `tsfrontend inspect REF`: an image in a registry or an OCI tarball. The text
 * output starts like `docker buildx imagetools inspect` (buildx
 * util/imagetools/printers.go: Name, MediaType, Digest, then the index's
 * manifests) and adds each platform's config, layers, total size and history;
 * `--format json` prints the {@link Inspection} document.
 */

import type { Command } from "commander";

export interface InspectFlags {
  platform?: string;
  format: string;
  plainHttp?: boolean;
}

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("show an image's index, manifests, configs, layers and history (registry REF, oci-archive:PATH, PATH.tar, oci:DIR)")
    .argument("<ref>", "registry/name:tag, name@sha256:..., oci-archive:PATH (or a path ending in .tar), oci:DIR")
    .option("--platform <platform>", "show only this platform's image, e.g. linux/arm64")
    .option("--format <format>", "text or json", "text")
    .option("--plain-http", "use plain http for the registry (default: https, http for localhost and 127.0.0.1)")
    .action(async (ref: string, flags: InspectFlags) => {
      const { runInspect } = await import("../actions/inspect.js");
      await runInspect(ref, flags);
    });
}
