/** Every TypeScript golden case; names match the Go program's cases one to one. */

import type { GoldenCase } from "../case.js";
import { cases as image } from "./image.js";
import { cases as sources } from "./sources.js";
import { cases as exec } from "./exec.js";
import { cases as mounts } from "./mounts.js";
import { cases as file } from "./file.js";
import { cases as merge } from "./merge.js";
import { cases as state } from "./state.js";
import { cases as meta } from "./meta.js";
import { cases as platform } from "./platform.js";
import { cases as scale } from "./scale.js";
import { cases as dump } from "./dump.js";

export const allCases: GoldenCase[] = [...image, ...sources, ...exec, ...mounts, ...file, ...merge, ...state, ...meta, ...platform, ...scale, ...dump];
