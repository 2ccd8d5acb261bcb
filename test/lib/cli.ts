/**
 * The `tsfrontend` command as users run it: package.json's `bin` (the esbuild
 * bundle dist/cli/main.js made by scripts/bundle.mjs), not tsc's dist/src/cli/main.js.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./gobin.js";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { bin: { tsfrontend: string } };

/** The absolute path of package.json's `bin.tsfrontend`. */
export const cliPath = join(repoRoot, pkg.bin.tsfrontend);
