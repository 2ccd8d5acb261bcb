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
 * --label, --build-context and the context PATH argument (flags/buildx.ts).
 */

import type { Command } from "commander";
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
  /** The context path argument (buildx's PATH). */
  contextPath?: string;
}

export function registerBuild(program: Command): void {
  program
    .command("build")
    .description("build a TypeScript build program (-f), a frontend (--frontend) or an LLB Definition read from stdin")
    .option("-f, --file <file>", "build program (.ts) or Dockerfile to build (a Dockerfile's directory is sent as the `dockerfile` local unless --local dockerfile=... is given)")
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
    .argument("[context]", "as docker buildx's PATH: sent as the `context` local; without -f or --frontend, PATH/Dockerfile is built")
    .action(async (context: string | undefined, flags: BuildFlags, cmd: Command) => {
      const { runBuild } = await import("../actions/build.js");
      await runBuild(context !== undefined ? { ...flags, contextPath: context } : flags, cmd);
    });
}
