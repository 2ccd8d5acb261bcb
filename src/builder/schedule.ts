/**
 * Which node builds which platform: pure. As buildx's driver resolver
 * (buildx v0.38.2 build/driver.go `resolveDrivers`, util/platformutil): a
 * platform goes to a node that serves it natively, i.e. one that declares it
 * (`--platform` on `builder create`) or, for a node that declares nothing,
 * whose first worker platform it is; else to a node whose workers can run it
 * (emulation); ties go to the node with the fewest platforms so far, then to
 * the earlier node; a platform no node's workers list (one that needs no
 * emulator, e.g. `FROM scratch` for linux/riscv64) goes to the first node, as
 * buildx's resolver does (`nodeResolver.resolve`: not a perfect match, node
 * 0). Nodes left out (`exclude`: failed ones, for a retry) get nothing.
 */

import { BuilderError } from "../errors.js";

/** What the scheduler knows of a node (platforms as normalised strings). */
export interface NodePlatforms {
  name: string;
  /** Declared platforms: native for this node. */
  declared: readonly string[];
  /** Its workers' platforms (the first is the native one), including those it emulates; empty when unknown. */
  workers: readonly string[];
}

/** One node's share of a build. */
export interface Assignment {
  node: string;
  platforms: string[];
}

export interface ScheduleOptions {
  /** Nodes not to use (failed ones). */
  exclude?: ReadonlySet<string>;
}

/** How well a node serves a platform: 0 native, 1 can emulate, undefined not at all. */
export function nodeServes(node: NodePlatforms, platform: string): 0 | 1 | undefined {
  if (node.declared.includes(platform)) return 0;
  if (node.declared.length === 0 && node.workers[0] === platform) return 0;
  if (node.workers.includes(platform)) return 1;
  // A node that declares platforms but whose workers are unknown (not bootstrapped) serves only those.
  return undefined;
}

/**
 * Splits `platforms` over `nodes`; the result lists the nodes that got
 * something, in node order, each with its platforms in request order.
 * `unserved` is told each platform no node serves (given to the first node).
 * Throws a {@link BuilderError} when no node is left to build on.
 */
export function schedulePlatforms(platforms: readonly string[], nodes: readonly NodePlatforms[], options: ScheduleOptions = {}, unserved?: (platform: string, node: string) => void): Assignment[] {
  const usable = nodes.filter((n) => !options.exclude?.has(n.name));
  const load = new Map<string, number>(usable.map((n) => [n.name, 0]));
  const chosen = new Map<string, string[]>();
  for (const p of platforms) {
    let best: NodePlatforms | undefined;
    let bestRank = 2;
    for (const n of usable) {
      const rank = nodeServes(n, p);
      if (rank === undefined) continue;
      if (rank < bestRank || (rank === bestRank && load.get(n.name)! < load.get(best!.name)!)) {
        best = n;
        bestRank = rank;
      }
    }
    if (!best) {
      if (usable.length === 0) {
        const left = options.exclude && options.exclude.size > 0 ? ` (left out: ${[...options.exclude].join(", ")})` : "";
        throw new BuilderError(`no node of the builder is left to build ${p}${left}`);
      }
      best = usable[0]!;
      unserved?.(p, best.name);
    }
    load.set(best.name, load.get(best.name)! + 1);
    chosen.set(best.name, [...(chosen.get(best.name) ?? []), p]);
  }
  return usable.filter((n) => chosen.has(n.name)).map((n) => ({ node: n.name, platforms: chosen.get(n.name)! }));
}

/** `os/arch` of a normalised platform string, with what a CPU also runs natively folded in (386 on amd64, 32-bit arm on arm64). */
function cpuFamily(platform: string): string {
  const [os = "", arch = ""] = platform.split("/");
  const family = arch === "386" ? "amd64" : arch === "arm" ? "arm64" : arch;
  return `${os}/${family}`;
}

/** Whether a node runs `platform` under emulation: its CPU (its workers' first platform) is another. Unknown workers: no. */
export function nodeEmulates(node: NodePlatforms, platform: string): boolean {
  const native = node.workers[0];
  return native !== undefined && cpuFamily(native) !== cpuFamily(platform);
}

/**
 * The nodes whose conversations go first. The client runs every node's
 * conversation (the converter or program, the session services) on its one
 * thread, and a node that emulates one of its platforms has by far the
 * longest build (emulated steps run many times slower), so when some nodes
 * of the plan emulate and others do not, the emulating ones go first and
 * the others start once those have submitted their builds. Empty: all start at once.
 */
export function headStartNodes(plan: readonly Assignment[], nodes: readonly NodePlatforms[]): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const emulating = plan.filter((a) => {
    const n = byName.get(a.node);
    return n !== undefined && a.platforms.some((p) => nodeEmulates(n, p));
  });
  return emulating.length > 0 && emulating.length < plan.length ? new Set(emulating.map((a) => a.node)) : new Set();
}

/**
 * Whether the declared platforms alone decide where `platforms` go (buildx's
 * "perfect match"): every node declares some, and each platform is declared
 * by a node. Then the workers' platforms need not be read before building.
 */
export function declaredPlatformsDecide(platforms: readonly string[], nodes: readonly Pick<NodePlatforms, "declared">[]): boolean {
  return platforms.length > 0 && nodes.every((n) => n.declared.length > 0) && platforms.every((p) => nodes.some((n) => n.declared.includes(p)));
}
