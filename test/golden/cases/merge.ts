/** Golden cases mirroring test/golden/go/cases_merge.go. */

import type { GoldenCase } from "../case.js";

export const cases: GoldenCase[] = [];
