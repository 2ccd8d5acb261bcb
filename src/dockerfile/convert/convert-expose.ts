/**
 * EXPOSE: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/convert_expose.go (dispatchExpose and
 * the port spec parser `[ip:]public:private/proto`).
 */

import { DockerfileError, type DockerfileRange } from "../../errors.js";
import { parseIP } from "../../internal/go/net.js";
import { goQuote, parseInt as goParseInt } from "../../internal/go/strconv.js";
import type { ExposeCommand } from "../instructions/commands.js";
import { ruleExposeInvalidFormat, ruleExposeProtoCasing } from "../linter/ruleset.js";
import type { Linter } from "../linter/linter.js";
import { commitToHistory, getEnv } from "./dispatch-state.js";
import type { DispatchOpt, DispatchState } from "./dispatch-state.js";

/** convert_expose.go dispatchExpose: expands the ports, parses them and records them in the image config. */
export function dispatchExpose(d: DispatchState, c: ExposeCommand, opt: DispatchOpt): void {
  const ports: string[] = [];
  const env = getEnv(d.state);
  for (const p of c.ports) ports.push(...opt.shlex.processWords(p, env));
  c.ports = ports;

  const psp = new PortSpecs(c.location(), opt.lint).parsePorts(c.ports);
  d.image.config.exposedPorts ??= new Set();
  for (const p of psp) d.image.config.exposedPorts.add(p);
  commitToHistory(d.image, `EXPOSE [${psp.join(" ")}]`, false, undefined, d.epoch);
}

/** convert_expose.go portSpecs: parses port specs, reporting format lint warnings at `location`. */
export class PortSpecs {
  constructor(
    readonly location: DockerfileRange[] = [],
    readonly lint: Linter | undefined = undefined,
  ) {}

  /** `[ip:]public:private/proto` specs -> `port/proto` entries. */
  parsePorts(ports: readonly string[]): string[] {
    const out: string[] = [];
    for (const p of ports) out.push(...this.parsePort(p));
    return out;
  }

  /** One spec -> its `port/proto` entries (a range gives one per port). */
  parsePort(rawPort: string): string[] {
    let [ip, hostPort, containerPort] = this.splitParts(rawPort);
    let proto: string;
    try {
      [proto, containerPort] = this.splitProtoPort(containerPort);
    } catch (e) {
      throw new DockerfileError(`invalid port: ${goQuote(rawPort)}: ${(e as Error).message}`, { cause: e });
    }
    if (this.lint) {
      if (proto !== proto.toLowerCase()) this.lint.run(ruleExposeProtoCasing, this.location, ruleExposeProtoCasing.format(rawPort));
      if (ip !== "" || hostPort !== "") this.lint.run(ruleExposeInvalidFormat, this.location, ruleExposeInvalidFormat.format(rawPort));
    }
    if (ip !== "" && ip[0] === "[") {
      const r = splitHostPortBracket(ip + ":");
      if ("error" in r) throw new DockerfileError(`invalid IP address ${ip}: ${r.error}`);
      ip = r.host;
    }
    if (ip !== "" && parseIP(ip) === undefined) throw new DockerfileError("invalid IP address: " + ip);

    let startPort: number;
    let endPort: number;
    try {
      [startPort, endPort] = this.parsePortRange(containerPort);
    } catch {
      throw new DockerfileError("invalid containerPort: " + containerPort);
    }
    if (hostPort !== "") {
      let startHostPort: number;
      let endHostPort: number;
      try {
        [startHostPort, endHostPort] = this.parsePortRange(hostPort);
      } catch {
        throw new DockerfileError("invalid hostPort: " + hostPort);
      }
      if (endPort - startPort !== endHostPort - startHostPort && endPort !== startPort) {
        throw new DockerfileError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
      }
    }
    const lower = proto.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < endPort - startPort + 1; i++) out.push(`${startPort + i}/${lower}`);
    return out;
  }

  /** `8000-9000` -> [8000, 9000]; a single port -> [p, p]. */
  parsePortRange(ports: string): [number, number] {
    if (ports === "") throw new DockerfileError("empty string specified for ports");
    const dash = ports.indexOf("-");
    const start = dash < 0 ? ports : ports.slice(0, dash);
    const end = dash < 0 ? "" : ports.slice(dash + 1);
    const startPort = wrapMsg(`invalid start port '${start}'`, () => this.parsePortNumber(start));
    if (dash < 0 || start === end) return [startPort, startPort];
    const endPort = wrapMsg(`invalid end port '${end}'`, () => this.parsePortNumber(end));
    if (endPort < startPort) throw new DockerfileError("invalid port range: " + ports);
    return [startPort, endPort];
  }

  /** A port number 0-65535, with strconv's error text for non-numbers. */
  parsePortNumber(rawPort: string): number {
    if (rawPort === "") throw new DockerfileError("value is empty");
    let n: bigint;
    try {
      n = goParseInt(rawPort, 10, 64);
    } catch (e) {
      // Go unwraps the *NumError to its cause ("invalid syntax", "value out of range"); ports hold no colon.
      const m = (e as Error).message;
      throw new DockerfileError(m.slice(m.lastIndexOf(": ") + 2));
    }
    if (n < 0n || n > 65535n) throw new DockerfileError("value out of range (0–65535)");
    return Number(n);
  }

  /** `port[/proto]` -> [proto, port]; tcp by default; only tcp, udp and sctp (any case). */
  splitProtoPort(rawPort: string): [string, string] {
    const slash = rawPort.indexOf("/");
    const port = slash < 0 ? rawPort : rawPort.slice(0, slash);
    const proto = slash < 0 ? "" : rawPort.slice(slash + 1);
    if (port === "") throw new DockerfileError("no port specified");
    switch (proto.toLowerCase()) {
      case "":
        return ["tcp", port];
      case "tcp":
      case "udp":
      case "sctp":
        return [proto, port];
      default:
        throw new DockerfileError("invalid proto: " + proto);
    }
  }

  /** `[ip:][hostPort:]containerPort`; with more colons the leading parts are the IP. */
  splitParts(rawport: string): [string, string, string] {
    const parts = rawport.split(":");
    switch (parts.length) {
      case 1:
        return ["", "", parts[0]!];
      case 2:
        return ["", parts[0]!, parts[1]!];
      case 3:
        return [parts[0]!, parts[1]!, parts[2]!];
      default: {
        const n = parts.length;
        return [parts.slice(0, n - 2).join(":"), parts[n - 2]!, parts[n - 1]!];
      }
    }
  }
}

function wrapMsg<T>(msg: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new DockerfileError(`${msg}: ${(e as Error).message}`, { cause: e });
  }
}

/** net.SplitHostPort for a `[host]:` form; returns the error text where Go fails. */
function splitHostPortBracket(hostport: string): { host: string } | { error: string } {
  const fail = (why: string) => ({ error: `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(":");
  const end = hostport.indexOf("]");
  if (end < 0) return fail("missing ']' in address");
  if (end + 1 === hostport.length) return fail("missing port in address");
  if (end + 1 !== i) return hostport[end + 1] === ":" ? fail("too many colons in address") : fail("missing port in address");
  if (hostport.slice(1).includes("[")) return fail("unexpected '[' in address");
  if (hostport.slice(end + 1).includes("]")) return fail("unexpected ']' in address");
  return { host: hostport.slice(1, end) };
}
