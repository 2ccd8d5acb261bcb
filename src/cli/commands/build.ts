/**
 * `tsfrontend build`: build a TypeScript program or a Dockerfile (`-f FILE`,
 * classified by program/classify.ts; a Dockerfile is read through a
 * `dockerfile` local of its directory, as buildctl sends it), a frontend
 * (`--frontend dockerfile.v0 --opt ...`) or a Definition on stdin, with
 * buildctl's flags: --local, --oci-layout, --output, --opt, --progress, --trace,
 * --no-cache, --metadata-file, --ref-file, --export-cache, --import-cache,
 * --secret, --ssh, --allow, --source-policy-file, --proxy-network,
 * --registry-auth-tlscontext; plus --platform, --build-platform, --build-arg
 * and --target (same as their --opt forms; --platform and --opt platform must agree);
 * and buildx's --attest, --sbom, --provenance (the opts attest:sbom / attest:provenance,
 * parsed by flags/attest.ts; nothing is sent unless one is given), -t/--tag, --push,
 * --label, --build-context, the context PATH argument, --add-host, --network,
 * --shm-size, --ulimit, --cgroup-parent, --no-cache-filter, --pull,
 * --cache-from, --cache-to, --annotation, --iidfile and -q/--quiet (flags/buildx.ts).
 */

import { Option, type Command } from "commander";
import { collect } from "../options.js";

export interface BuildFlags {
  file?: string;
  frontend?: string;
  opt?: string[];
  local?: string[];
  ociLayout?: string[];
  output?: string[];
  progress: string;
  trace?: string;
  platform?: string[];
  buildPlatform?: string;
  buildArg?: string[];
  target?: string;
  cache: boolean;
  metadataFile?: string;
  refFile?: string;
  exportCache?: string[];
  importCache?: string[];
  allow?: string[];
  secret?: string[];
  ssh?: string[];
  sourcePolicyFile?: string;
  proxyNetwork?: boolean;
  registryAuthTlscontext?: string[];
  retryOtherNode?: boolean;
  call?: string;
  check?: boolean;
  attest?: string[];
  sbom?: string;
  provenance?: string;
  tag?: string[];
  push?: boolean;
  label?: string[];
  buildContext?: string[];
  addHost?: string[];
  network?: string;
  shmSize?: string;
  ulimit?: string[];
  cgroupParent?: string;
  noCacheFilter?: string[];
  pull?: boolean;
  cacheFrom?: string[];
  cacheTo?: string[];
  iidfile?: string;
  annotation?: string[];
  quiet?: boolean;
  /** The context path argument (buildx's PATH). */
  contextPath?: string;
}

/**
 * A repeatable option whose name starts with `no-` but takes a value
 * (buildx's `--no-cache-filter STAGE`): commander would take it for the
 * negation of `--cache-filter`.
 */
function valueOptionNamedNo(flags: string, description: string): Option {
  const o = new Option(flags, description).argParser(collect);
  o.negate = false;
  return o;
}

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("build a TypeScript build program (-f), a frontend (--frontend) or an LLB Definition read from stdin")
    .option("-f, --file <file>", "build program (.ts) or Dockerfile to build (a Dockerfile's directory is sent as the `dockerfile` local unless --local dockerfile=... is given), or a directory of Definitions, one per platform, as `llb --output-dir` writes them")
    .option("--frontend <frontend>", "frontend to use instead of a program, e.g. dockerfile.v0 or gateway.v0")
    .option("--opt <key=value>", "frontend option, e.g. build-arg:K=V, target=stage, platform=linux/arm64", collect)
    .option("--local <name=dir>", "local directory the build can read, e.g. --local context=.", collect)
    .option("--oci-layout <name=dir>", "OCI layout directory the build can read as oci-layout://NAME/REF@DIGEST sources", collect)
    .option("-o, --output <spec>", "export: type=local,dest=DIR | type=tar,dest=FILE | type=oci,dest=FILE | type=docker,dest=FILE | type=image,name=REF[,push=true]", collect)
    .option("--progress <mode>", "progress output: auto, tty, plain, rawjson or quiet", "auto")
    .option("--trace <file>", "append every progress update to this file as JSON lines (as --progress rawjson)")
    .option("--platform <platforms>", "target platform(s) os/arch[/variant], comma separated or repeated; same as --opt platform=... (default: the daemon's)", collect)
    .option("--build-platform <platform>", "platform build steps run on (default: the daemon's first worker platform)")
    .option("--build-arg <key=value>", "build argument (same as --opt build-arg:K=V)", collect)
    .option("--target <name>", "target to build (same as --opt target=NAME)")
    .option("--no-cache", "do not use cached results")
    .option("--metadata-file <file>", "write the exporter response (image digest, ...) to this JSON file")
    .option("--ref-file <file>", "write the build ref to this file")
    .option("--export-cache <spec>", "export build cache, e.g. type=registry,ref=REF[,mode=max] | type=inline | type=local,dest=DIR", collect)
    .option("--import-cache <spec>", "import build cache, e.g. type=registry,ref=REF | type=local,src=DIR", collect)
    .option("--allow <entitlement>", "allow a privileged entitlement: network.host or security.insecure (buildkitd must allow it too); repeatable", collect)
    .option("--secret <spec>", "secret for RUN secret mounts/env: id=ID[,src=FILE|,env=VAR][,type=file|env]", collect)
    .option("--ssh <spec>", "ssh agent for RUN ssh mounts: default | ID[=SOCKET|=KEYFILE[,KEYFILE...]][,raw=true] (no path: $SSH_AUTH_SOCK); repeatable", collect)
    .option("--source-policy-file <file>", "source policy (JSON, as buildctl's) applied to every source of the build")
    .option("--proxy-network", "run the build with proxy network enforcement (needs a daemon that supports it)")
    .option("--registry-auth-tlscontext <spec>", "TLS for a registry's token server (its tokens are then fetched by tsfrontend): host=HOST[,ca=FILE][,cert=FILE,key=FILE][,insecure=true]; repeatable", collect)
    .option("--attest <spec>", "attestation, as docker buildx's: type=sbom[,generator=REF][,k=v] | type=provenance[,mode=min|max][,k=v] | type=T,disabled=true; repeatable (sent as --opt attest:T)", collect)
    .option("--sbom <spec>", 'shorthand for --attest type=sbom,SPEC: true | false | generator=REF[,k=v]')
    .option("--provenance <spec>", 'shorthand for --attest type=provenance,SPEC: true | false | mode=min|max[,k=v]')
    .option("--call <name>", "ask the frontend instead of building, as docker buildx's: outline | targets | check | subrequests.describe | build (default), [,format=json][,ignorestatus=true]; the answer is printed")
    .option("--check", "shorthand for --call check: the build checks' warnings (exits 1 when there are any)")
    .option("--retry-other-node", "with a builder (--builder): build the platforms of a node that is down or goes away on another node that serves them")
    .option("-t, --tag <name>", "as docker buildx's: name of the image (repeatable), for the image, oci and docker outputs that name none", collect)
    .option("--push", "as docker buildx's: push the image (an image output with push=true, named by -t)")
    .option("--label <key=value>", "image label (same as --opt label:KEY=VALUE); repeatable", collect)
    .option("--build-context <name=value>", "as docker buildx's: a named context: DIR | docker-image://REF | git or https URL | oci-layout://DIR[:TAG][@DIGEST]; repeatable", collect)
    .option("--add-host <host:ip>", "as docker buildx's: a host-to-IP mapping for RUN steps (the add-hosts opt); repeatable", collect)
    .option("--network <mode>", "as docker buildx's: network mode of RUN steps, default | host | none (the force-network-mode opt; host also allows network.host)")
    .option("--shm-size <bytes>", "as docker buildx's: /dev/shm size of RUN steps, e.g. 64m (the shm-size opt)")
    .option("--ulimit <name=soft[:hard]>", "as docker buildx's: a ulimit of RUN steps, e.g. nofile=1024:2048 (the ulimit opt); repeatable", collect)
    .option("--cgroup-parent <path>", "as docker buildx's: parent cgroup of RUN steps (the cgroup-parent opt)")
    .addOption(valueOptionNamedNo("--no-cache-filter <stage>", "as docker buildx's: do not cache these stages (the no-cache opt); repeatable"))
    .option("--pull", "as docker buildx's: always pull the images the build names (image-resolve-mode=pull)")
    .option("--cache-from <spec>", "as docker buildx's: same as --import-cache; a bare REF is type=registry,ref=REF; repeatable", collect)
    .option("--cache-to <spec>", "as docker buildx's: same as --export-cache; a bare REF is type=registry,ref=REF; repeatable", collect)
    .option("--annotation <spec>", "as docker buildx's: an annotation of the image, [TYPE[PLATFORM],...:]KEY=VALUE with TYPE manifest, manifest-descriptor, index or index-descriptor; repeatable", collect)
    .option("--iidfile <file>", "as docker buildx's: write the image ID (the config digest, else the image digest) to this file")
    .option("-q, --quiet", "as docker buildx's: no progress output; print the image ID when done")
    .argument("[context]", "as docker buildx's PATH: sent as the `context` local; without -f or --frontend, PATH/Dockerfile is built")
    .action(async (context: string | undefined, flags: BuildFlags, cmd: Command) => {
      const { runBuild } = await import("../actions/build.js");
      await runBuild(context !== undefined ? { ...flags, contextPath: context } : flags, cmd);
    });
}
