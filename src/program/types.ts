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

import type { Platform, PlatformArgs, State } from "../llb/index.js";
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
  /** Named contexts (`--opt context:name=...`) as states. */
  readonly namedContexts: Readonly<Record<string, State>>;
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

/** The default export of a build program. */
export type BuildProgram = (ctx: BuildContext) => BuildResult | Promise<BuildResult>;
