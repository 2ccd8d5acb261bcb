/**
 * The build-program contract. A build program is a TypeScript module whose
 * default export is a (possibly async) function taking a {@link BuildContext}
 * and returning, per target platform, a state and its image config. The same
 * file runs locally (`tsfrontend llb`, `tsfrontend build`) and inside the
 * frontend image, so nothing here depends on where it runs.
 *
 * @example
 * // syntax=registry.example/tsfrontend
 * import { image, scratch, copy } from "tsfrontend/llb";
 * import type { BuildContext } from "tsfrontend/program";
 * export default (ctx: BuildContext) =>
 *   ctx.perPlatform((p, args) => {
 *     const builder = image("golang:1.22", { platform: ctx.buildPlatform })
 *       .addEnv("GOOS", args.TARGETOS).addEnv("GOARCH", args.TARGETARCH)
 *       .run({ shlex: "go build -o /out/app ." }).root();
 *     return { state: scratch().file(copy(builder, "/out/app", "/app")), config: { Entrypoint: ["/app"] } };
 *   });
 */

import type { ExtraHost, NetMode, Platform, PlatformArgs, ResolveMode, State } from "../llb/index.js";
import type { GatewayClient } from "../gateway/types.js";

/** The OCI image config fields a program sets (`config` of the image JSON). */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  Shell?: string[];
  OnBuild?: string[];
  ArgsEscaped?: boolean;
}

/** Docker's health check config; durations are nanoseconds, as in the image JSON. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** What a program returns for one platform. */
export interface PlatformResult {
  /** The platform this result is for; may be omitted when there is a single target. */
  platform?: Platform;
  state: State;
  config?: ImageConfig;
  /**
   * An image whose config this image starts from, as `FROM` does in a
   * Dockerfile: its Env, User, WorkingDir, Entrypoint, Cmd, Labels... are
   * inherited and `config` is applied on top.
   */
  base?: string;
  /**
   * Extra states the SBOM scanner gets with `state` when `attest:sbom` is
   * asked for (as a Dockerfile's `BUILDKIT_SBOM_SCAN_STAGE` adds stages):
   * each is mounted at `/run/src/extras/sbom-NAME`. The build-arg
   * `BUILDKIT_SBOM_SCAN_CONTEXT=true` adds the build context as `context`.
   */
  sbomExtras?: Readonly<Record<string, State>>;
}

/** A program returns one result (single platform) or one per target platform. */
export type BuildResult = PlatformResult | readonly PlatformResult[];

/** Inputs a program gets. Values are plain data, the same locally and in the frontend. */
export interface BuildContext {
  /** The platforms to build for, normalised, in the order asked. Never empty. */
  readonly targetPlatforms: readonly Platform[];
  /** The platform build steps run on (always explicit, never guessed from the host). */
  readonly buildPlatform: Platform;
  /** `--opt build-arg:K=V` / `--build-arg K=V` values. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** `--target`, if given. */
  readonly target: string | undefined;
  /**
   * Named contexts (`--opt context:NAME=...`, `--build-context` of buildx) as
   * states, keyed as given (`NAME` or `NAME::os/arch`); see {@link namedContext}.
   */
  readonly namedContexts: Readonly<Record<string, State>>;
  /** The named context `name` for a platform: `NAME::<platform>` first, then `NAME` (as dockerui looks them up). */
  namedContext(name: string, platform?: Platform): State | undefined;
  /**
   * The main build context: `local("context")`, or the git repository /
   * downloaded URL / frontend input the build was started with (the
   * frontend image's `context` opt or input).
   */
  readonly context: State;
  /** `--opt label:K=V`: the runner adds them to every image config's Labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** `--opt image-resolve-mode` (default, pull, local): used for `base` images; pass it to `image()`. */
  readonly imageResolveMode: ResolveMode;
  /** `--opt add-hosts=host=ip,...`: extra hosts for the program's `run` steps (pass them as `extraHosts`). */
  readonly extraHosts: readonly { readonly host: string; readonly ip: string }[];
  /** `--opt force-network-mode` (none, host, sandbox), if given: the network for the program's `run` steps. */
  readonly networkMode: "sandbox" | "host" | "none" | undefined;
  /**
   * `network` and `extraHosts` from `force-network-mode` and `add-hosts`, to
   * spread into `run()` options (`.run({ shlex: "...", ...ctx.runOptions })`),
   * as the Dockerfile frontend applies them to every RUN. Empty when neither is set.
   */
  readonly runOptions: { readonly network?: NetMode; readonly extraHosts?: readonly ExtraHost[] };
  /** The result is a per-platform map (an image index), even with one platform (`multi-platform`). */
  readonly multiPlatform: boolean;
  /** Every `--opt k=v` the build was started with, raw. */
  readonly opts: Readonly<Record<string, string>>;
  /**
   * The daemon, when the program runs in a build (`tsfrontend build` or the
   * frontend image): solve, read files of results, resolve image configs
   * (pass it as `metaResolver` to `image()`). Undefined for `tsfrontend llb`.
   */
  readonly gateway: GatewayClient | undefined;
  /** TARGET and BUILD platform args for a target platform, merged over build args. */
  args(target: Platform): PlatformArgs & Readonly<Record<string, string>>;
  /** Runs `fn` once per target platform and collects the results with their platforms. */
  perPlatform(
    fn: (target: Platform, args: PlatformArgs & Readonly<Record<string, string>>) => PlatformResult | Promise<PlatformResult>,
  ): Promise<PlatformResult[]>;
}

/** A target a program declares (`export const targets`), for `--call targets`. */
export interface TargetDeclaration {
  description?: string;
  /** The target built when none is asked for. */
  default?: boolean;
}

/** A build arg a program declares (`export const args`), for `--call outline`. */
export interface ArgDeclaration {
  description?: string;
  /** The value used when the build does not set it. */
  default?: string;
}

/**
 * What a program module declares next to its default export, read without
 * running the build: `export const targets = { app: "the server", test: { description: "...", default: false } }`
 * and `export const args = { VERSION: { description: "release", default: "1.0" } }` (a string is the description).
 */
export interface ProgramDeclarations {
  targets?: Readonly<Record<string, string | TargetDeclaration>>;
  args?: Readonly<Record<string, string | ArgDeclaration>>;
}

/** The default export of a build program. */
export type BuildProgram = (ctx: BuildContext) => BuildResult | Promise<BuildResult>;
