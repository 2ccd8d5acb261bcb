/**
 * "did you mean ...?" suggestions: a port of buildkit v0.32.2 util/suggest/error.go
 * (`Search`, `WrapError`) over github.com/agext/levenshtein v1.2.3's `Distance`
 * (unit costs, one edit per Unicode code point). Go walks its options in map order
 * where buildkit passes map keys; here the caller's order decides ties.
 */

/** agext/levenshtein `Distance(a, b, nil)`: insertions, deletions and substitutions of code points, each costing 1. */
export function levenshteinDistance(a: string, b: string): number {
  if (a === b) return 0;
  let s1 = Array.from(a);
  let s2 = Array.from(b);
  let p = 0;
  while (p < s1.length && p < s2.length && s1[p] === s2[p]) p++;
  let l1 = s1.length;
  let l2 = s2.length;
  while (l1 > p && l2 > p && s1[l1 - 1] === s2[l2 - 1]) {
    l1--;
    l2--;
  }
  s1 = s1.slice(p, l1);
  s2 = s2.slice(p, l2);
  if (s1.length === 0) return s2.length;
  if (s2.length === 0) return s1.length;
  const row = new Array<number>(s2.length + 1);
  for (let j = 0; j <= s2.length; j++) row[j] = j;
  for (let i = 1; i <= s1.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= s2.length; j++) {
      const up = row[j]!;
      const cost = s1[i - 1] === s2[j - 1] ? 0 : 1;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return row[s2.length]!;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}

/**
 * buildkit's `suggest.Search`: the option closest to `val` (edit distance below 3),
 * or undefined when none is close or one matches exactly.
 */
export function suggestSearch(val: string, options: Iterable<string>, caseSensitive: boolean): string | undefined {
  const orig = val;
  if (!caseSensitive) val = val.toLowerCase();
  let match = "";
  let mindist = 3;
  for (let opt of options) {
    if (!caseSensitive) opt = opt.toLowerCase();
    if (val === opt) return undefined;
    const dist = levenshteinDistance(val, opt);
    if (dist < mindist) {
      match = caseSensitive ? opt : matchCase(opt, orig);
      mindist = dist;
    }
  }
  return match === "" ? undefined : match;
}

/** The message of buildkit's `suggest.WrapError(err, val, options, caseSensitive)`: `msg (did you mean X?)` when one is close. */
export function suggestMessage(msg: string, val: string, options: Iterable<string>, caseSensitive: boolean): string {
  const match = suggestSearch(val, options, caseSensitive);
  return match === undefined ? msg : `${msg} (did you mean ${match}?)`;
}
