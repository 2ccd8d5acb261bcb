// Ports of how buildx v0.38.2 shows a node's platforms:
//   util/platformutil/parse.go FormatInGroups (declared platforms first, marked `*`, then the workers'),
//   commands/ls.go truncPlatforms and truncatedPlatforms.String (`buildx ls` without --no-trunc),
// on platform strings already normalised as containerd formats them (llb's formatPlatformAll).

/** FormatInGroups(declared, workers): each platform once, the declared ones first with a `*`. */
export function formatInGroups(declared: readonly string[], workers: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, group] of [declared, workers].entries()) {
    for (const p of group) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(i === 0 ? `${p}*` : p);
    }
  }
  return out;
}

const MAJOR = ["linux/amd64", "linux/arm64", "linux/arm", "linux/ppc64le", "linux/s390x", "linux/riscv64", "linux/mips64"];

/**
 * `os/arch` of a normalised platform string (`linux/arm/v7`, `windows(10.0.17763)/amd64`; a trailing
 * `*` ignored), as containerd's Parse gives them; undefined when it has no architecture.
 */
function osArch(pf: string): string | undefined {
  const [os = "", arch = ""] = (pf.endsWith("*") ? pf.slice(0, -1) : pf).split("/");
  const plainOs = os.replace(/\(.*\)$/, "");
  return plainOs !== "" && arch !== "" ? `${plainOs}/${arch}` : undefined;
}

/**
 * `truncPlatforms(pfs, max).String()`: platforms grouped by `os/arch`, the
 * major ones first, a group of several as `linux/amd64* (+3)` (the `*` when
 * one of them is declared), at most `max` entries, then `(N more)`.
 */
export function truncatePlatforms(pfs: readonly string[], max = 4): string {
  const res = new Map<string, string[]>();
  for (const major of MAJOR) {
    for (const pf of pfs) {
      if (res.size >= max) break;
      if (osArch(pf) === major) res.set(major, [...(res.get(major) ?? []), pf]);
    }
  }
  const left = new Map<string, string[]>();
  for (const pf of pfs) {
    if (res.size >= max) break;
    const key = osArch(pf);
    if (key === undefined) continue;
    if (!res.has(key)) left.set(key, [...(left.get(key) ?? []), pf]);
  }
  for (const [k, v] of left) res.set(k, v);

  const out: string[] = [];
  let count = 0;
  const group = (key: string, members: string[]) => {
    if (members.length === 1) {
      out.push(members[0]!);
      count++;
    } else {
      out.push(`${key}${members.some((m) => m.endsWith("*")) ? "*" : ""} (+${members.length})`);
      count += members.length;
    }
  };
  const seen = new Set<string>();
  for (const major of MAJOR) {
    const members = res.get(major);
    if (!members) continue;
    seen.add(major);
    group(major, members);
  }
  for (const key of [...res.keys()].sort()) {
    if (out.length >= max) break;
    if (seen.has(key)) continue;
    group(key, res.get(key)!);
  }
  const rest = pfs.length - count;
  if (rest > 0) out.push(`(${rest} more)`);
  return out.join(", ");
}
