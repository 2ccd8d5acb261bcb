/**
 * SBOM attestations: a port of buildkit v0.32.2
 * frontend/attestations/sbom/sbom.go (`CreateSBOMScanner`, `HasSBOM`) and of
 * the scan step of frontend/dockerfile/builder/build.go (each platform's scan
 * targets run through the scanner, the scanner's output solved and attached
 * to the result as an attestation bundle). Used by the program runner and the
 * Dockerfile builder alike, so both produce SBOMs for `attest:sbom`.
 *
 * The scanner contract (buildkit's): an image whose Entrypoint+Cmd reads the
 * state to scan at `$BUILDKIT_SCAN_SOURCE` (`/run/src/core/sbom`), extra
 * states under `$BUILDKIT_SCAN_SOURCE_EXTRAS` (`/run/src/extras/`, one
 * directory `sbom-NAME` each), gets the generator's parameters as
 * `BUILDKIT_SCAN_<key>` and writes in-toto statements (`*.spdx.json`) into
 * `$BUILDKIT_SCAN_DESTINATION` (`/run/out/`), which the exporter unbundles.
 */

import { ProgramError } from "../errors.js";
import { joinPath } from "../internal/go/path.js";
import type { GatewayAttestation, GatewayClient } from "../gateway/types.js";
import { addEnv, args as argsOpt, dir as dirOpt, formatPlatformAll, image, mkdir, normalizePlatform, scratch, type Platform, type ResolveMode, type State, type StateOption } from "../llb/index.js";

/** The core scan's name (`sbom.CoreSBOMName`): `/run/src/core/sbom`. */
export const CORE_SBOM_NAME = "sbom";
/** Prefix of an extra scan's directory (`sbom.ExtraSBOMPrefix`). */
export const EXTRA_SBOM_PREFIX = `${CORE_SBOM_NAME}-`;
/** in-toto's `PredicateSPDX`. */
export const PREDICATE_SPDX = "https://spdx.dev/Document";

const SRC_DIR = "/run/src/";
const OUT_DIR = "/run/out/";

/** result.AttestationReasonKey / AttestationSBOMCore and their values. */
const ATTESTATION_REASON_KEY = "reason";
const ATTESTATION_REASON_SBOM = "sbom";
const ATTESTATION_SBOM_CORE = "sbom-core";

const encoder = new TextEncoder();

/** An attestation before its state is solved (Go's `result.Attestation[*llb.State]`). */
export interface StateAttestation extends Omit<GatewayAttestation, "ref"> {
  ref: State;
}

/**
 * Go's `sbom.Scanner`: the scan of `core` (and `extras`) for the platform
 * `name`, as an attestation bundle; `platform` is where the scanner runs.
 */
export interface SBOMScanner {
  (name: string, core: State, extras: ReadonlyMap<string, State>, options?: { ignoreCache?: boolean }): StateAttestation;
  readonly platform: Platform;
}

export interface SBOMScannerOptions {
  /** The platform the scanner runs on (the build platform). */
  platform: Platform;
  resolveMode: ResolveMode;
  /** The generator's parameters (every `attest:sbom` key but `generator`): `BUILDKIT_SCAN_<key>=<value>`. */
  parameters: Readonly<Record<string, string>>;
}

interface ScannerImageConfig {
  config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string };
}

/**
 * Go's `CreateSBOMScanner`: resolves the scanner image's config through the
 * gateway (its Entrypoint and Cmd are the command, its Env and WorkingDir
 * kept) and returns the scanner, or undefined when `scanner` is empty.
 */
export async function createSBOMScanner(gateway: GatewayClient, scanner: string, options: SBOMScannerOptions): Promise<SBOMScanner | undefined> {
  if (!scanner) return undefined;
  let resolved: { ref: string; config: Uint8Array };
  try {
    resolved = await gateway.resolveImageConfig(scanner, {
      platform: options.platform,
      resolveMode: options.resolveMode,
      // The daemon's name for a lookup without one (llbsolver's ResolveSourceMetadata), as dockerfile.v0 shows it.
      logName: `resolve image config for docker-image://${scanner}`,
    });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    throw new ProgramError(`failed to resolve source metadata for ${scanner}: ${e.message}`, { cause: err });
  }
  const ref = resolved.ref || scanner;
  let cfg: ScannerImageConfig;
  try {
    cfg = JSON.parse(new TextDecoder().decode(resolved.config)) as ScannerImageConfig;
  } catch (err) {
    throw new ProgramError(`scanner ${ref}: invalid image config: ${(err as Error).message}`, { cause: err });
  }
  const command = [...(cfg.config?.Entrypoint ?? []), ...(cfg.config?.Cmd ?? [])];
  if (command.length === 0) throw new ProgramError(`scanner ${ref} does not have cmd`);
  const platform = options.platform;

  const scan = (name: string, core: State, extras: ReadonlyMap<string, State>, scanOptions: { ignoreCache?: boolean } = {}): StateAttestation => {
    const env: string[] = [...(cfg.config?.Env ?? [])];
    env.push(`BUILDKIT_SCAN_DESTINATION=${OUT_DIR}`);
    env.push(`BUILDKIT_SCAN_SOURCE=${joinPath(SRC_DIR, "core", CORE_SBOM_NAME)}`);
    if (extras.size > 0) env.push(`BUILDKIT_SCAN_SOURCE_EXTRAS=${joinPath(SRC_DIR, "extras/")}`);
    for (const [k, v] of Object.entries(options.parameters)) env.push(`BUILDKIT_SCAN_${k}=${v}`);

    // Go's order of run options: name and constraints, then Dir, Args, AddEnv one by one.
    const stateOptions: StateOption[] = [dirOpt(cfg.config?.WorkingDir ?? ""), argsOpt(...command)];
    for (const e of env) {
      const eq = e.indexOf("=");
      stateOptions.push(eq < 0 ? addEnv(e, "") : addEnv(e.slice(0, eq), e.slice(eq + 1)));
    }
    const scannerImage = image(ref, { platform });
    const runscan = scannerImage.run({
      customName: `[${name}] generating sbom using ${ref}`,
      ...(scanOptions.ignoreCache ? { ignoreCache: true } : {}),
      with: stateOptions,
    });
    // scannerTmpMount: a tmpfs /tmp (a directory of the image on Windows).
    if (platform.os === "windows") {
      runscan.addMount("/tmp", scannerImage.file(mkdir("/tmp", 0o777, { parents: true })), { selector: "/tmp", forceNoOutput: true });
    } else {
      runscan.addMount("/tmp", scratch(), { tmpfs: true });
    }
    runscan.addMount(joinPath(SRC_DIR, "core", CORE_SBOM_NAME), core, { readonly: true });
    for (const [k, extra] of extras) runscan.addMount(joinPath(SRC_DIR, "extras", EXTRA_SBOM_PREFIX + k), extra, { readonly: true });
    const out = runscan.addMount(OUT_DIR, scratch());
    return {
      kind: "bundle",
      ref: out,
      path: "",
      metadata: { [ATTESTATION_REASON_KEY]: encoder.encode(ATTESTATION_REASON_SBOM), [ATTESTATION_SBOM_CORE]: encoder.encode(CORE_SBOM_NAME) },
      inToto: { predicateType: PREDICATE_SPDX, subjects: [] },
    };
  };
  return Object.assign(scan, { platform });
}

/** Go's `HasSBOM`: whether a result has an SPDX attestation already. */
export function hasSBOM(attestations: Readonly<Record<string, readonly GatewayAttestation[]>> | undefined): boolean {
  for (const as of Object.values(attestations ?? {})) for (const a of as) if (a.inToto.predicateType === PREDICATE_SPDX) return true;
  return false;
}

/** What a platform of a build gives the scanner (Go's `dockerfile2llb.SBOMTargets` and `IsIgnoreCache`). */
export interface ScanTarget {
  platform: Platform;
  core: State;
  extras: ReadonlyMap<string, State>;
  ignoreCache?: boolean;
}

/**
 * The scan step of builder/build.go: each platform's targets through the
 * scanner (named by the platform id, as `refs.platforms` names it), each
 * scanner output solved, the attestations keyed by platform id. All
 * platforms at once (Go's `EachPlatform` runs them in an errgroup).
 */
export async function scanPlatforms(gateway: GatewayClient, scanner: SBOMScanner, targets: readonly ScanTarget[]): Promise<Map<string, GatewayAttestation[]>> {
  const out = new Map<string, GatewayAttestation[]>();
  await Promise.all(
    targets.map(async (t) => {
      const id = formatPlatformAll(normalizePlatform(t.platform));
      const att = scanner(id, t.core, t.extras, t.ignoreCache ? { ignoreCache: true } : {});
      const def = await att.ref.marshal();
      const solved = await gateway.solve({ definition: def });
      const { ref: _state, ...rest } = att;
      const list = out.get(id) ?? [];
      list.push({ ...rest, ...(solved.ref ? { ref: solved.ref } : {}) });
      out.set(id, list);
    }),
  );
  return out;
}
