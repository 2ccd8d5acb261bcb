/** Golden cases mirroring test/golden/go/cases_state.go. */

import type { GoldenCase } from "../case.js";

export const cases: GoldenCase[] = [];
