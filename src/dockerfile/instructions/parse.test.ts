// A port of buildkit v0.32.2 frontend/dockerfile/instructions/parse_test.go, parse_heredoc_test.go
// and support_test.go (parse-golden.test.ts compares many more cases with Go's output).

import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError } from "../../errors.js";
import { newNode, parse as parseDockerfile, type Node } from "../parser/parser.js";
import * as command from "../command/command.js";
import { ArgCommand, HealthCheckCommand, RunCommand, Stage } from "./commands.js";
import { parseDevice } from "./commands-rundevice.js";
import { parse, parseCommand, parseInstruction, UnknownInstructionError } from "./parse.js";
import { handleJSONArgs } from "./support.js";

function first(dockerfile: string): Node {
  return parseDockerfile(dockerfile).ast.children[0]!;
}

function chain(value: string, ...next: string[]): Node {
  const root = newNode();
  root.value = value;
  let cur = root;
  for (const v of next) {
    const n = newNode();
    n.value = v;
    cur.next = n;
    cur = n;
  }
  return root;
}

function failsWith(fn: () => unknown, message: string): DockerfileError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DockerfileError, `expected a DockerfileError, got ${String(caught)}`);
  assert.equal(caught.message, message);
  return caught;
}

test("commands with exactly one argument", () => {
  for (const cmd of ["MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"]) {
    const err = failsWith(() => parseInstruction(first(cmd)), `${cmd} requires exactly one argument`);
    assert.deepEqual(err.ranges, [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }]);
  }
});

test("commands with at least one argument", () => {
  for (const cmd of ["ENV", "LABEL", "ONBUILD", "HEALTHCHECK", "EXPOSE", "VOLUME"]) {
    failsWith(() => parseInstruction(first(cmd)), `${cmd} requires at least one argument`);
  }
});

test("commands without destination", () => {
  for (const cmd of ["ADD", "COPY"]) {
    failsWith(
      () => parseInstruction(first(cmd + " arg1")),
      `${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`,
    );
  }
});

test("ENV and LABEL with a bad number of words or a blank name", () => {
  for (const cmd of ["ENV", "LABEL"]) {
    const node = chain(cmd.toLowerCase(), "arg1", "arg2", "arg3", "");
    node.original = cmd + "arg1 arg2 arg3";
    failsWith(() => parseInstruction(node), `Bad input to ${cmd}, too many arguments`);
    const blank = chain(cmd.toLowerCase(), "", "arg2", "=");
    blank.original = cmd + " =arg2";
    failsWith(() => parseInstruction(blank), `${cmd} names can not be blank`);
  }
});

test("HEALTHCHECK CMD in shell form", () => {
  const hc = parseInstruction(chain(command.Healthcheck, "CMD", "hello", "world"));
  assert.ok(hc instanceof HealthCheckCommand);
  assert.deepEqual(hc.health.test, ["CMD-SHELL", "hello world"]);
});

test("HEALTHCHECK intervals: below 1ms fails, 0 and 1ms pass", () => {
  failsWith(() => parseInstruction(first("HEALTHCHECK --interval=50ns CMD true")), 'Interval "interval" cannot be less than 1ms');
  for (const v of ["0ms", "1ms"]) {
    const hc = parseInstruction(first(`HEALTHCHECK --interval=${v} CMD true`));
    assert.ok(hc instanceof HealthCheckCommand);
    assert.equal(hc.health.interval, v === "1ms" ? 1e6 : 0);
  }
});

test("without a linter every instruction with any arguments parses or throws a DockerfileError", () => {
  for (const cmd of command.commands) {
    for (const tc of [`${cmd} foo=bar`, `${cmd} a`, `${cmd} a b`, `${cmd} a b c`, `${cmd} 0 0`]) {
      let ast;
      try {
        ast = parseDockerfile("FROM busybox\n" + tc).ast;
      } catch {
        continue;
      }
      try {
        parse(ast, undefined);
      } catch (err) {
        assert.ok(err instanceof DockerfileError, `${tc}: ${String(err)}`);
      }
    }
  }
});

test("description comments of stages and ARGs", () => {
  const dt = `# foo sets foo
ARG foo=bar

# base defines first stage
FROM busybox AS base
# this is irrelevant
ARG foo
# bar defines bar
# baz is something else
ARG bar baz=123
`;
  const { stages, metaArgs } = parse(parseDockerfile(dt).ast, undefined);
  assert.equal(stages[0]!.docComment, "defines first stage");
  assert.equal(metaArgs[0]!.args[0]!.key, "foo");
  assert.equal(metaArgs[0]!.args[0]!.docComment, "sets foo");
  const [c0, c1] = stages[0]!.commands;
  assert.ok(c0 instanceof ArgCommand && c1 instanceof ArgCommand);
  assert.equal(c0.args[0]!.key, "foo");
  assert.equal(c0.args[0]!.docComment, "");
  assert.equal(c1.args[0]!.key, "bar");
  assert.equal(c1.args[0]!.docComment, "defines bar");
  assert.equal(c1.args[1]!.key, "baz");
  assert.equal(c1.args[1]!.docComment, "is something else");
});

test("error cases", () => {
  const cases: [string, string][] = [
    ["COPY\t\n\t\tquux \\\n      bar", "COPY requires at least two arguments, but only one was provided. Destination could not be determined"],
    ["ONBUILD FROM scratch", "FROM isn't allowed as an ONBUILD trigger"],
    ["MAINTAINER --boo joe@example.com", "unknown flag: --boo"],
    ["ONBUILD ONBUILD RUN touch foobar", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ["FOO bar", "unknown instruction: FOO (did you mean FROM?)"],
    ["foo bar", "unknown instruction: foo (did you mean from?)"],
    ["XYZZY bar", "unknown instruction: XYZZY"],
    ["COPY /foo <<EOF\nEOF", "COPY cannot accept a heredoc as a destination"],
    ["FROM a b", "FROM requires either one or three arguments"],
    ["FROM a AS 1b", 'invalid name for build stage: "1b", name can\'t start with a number or contain symbols'],
  ];
  for (const [df, msg] of cases) failsWith(() => parseInstruction(first(df)), msg);
  const err = failsWith(() => parseInstruction(first("\n\nXYZZY bar")), "unknown instruction: XYZZY");
  assert.ok(err instanceof UnknownInstructionError);
  assert.equal(err.instruction, "XYZZY");
  assert.equal(err.line, 3);
  assert.equal(err.location?.line, 3);
});

test("parse: errors carry the line; a command before FROM has no stage", () => {
  const err = failsWith(() => parse(parseDockerfile("FROM a\n\nRUN --bad x\n").ast, undefined), "dockerfile parse error on line 3: unknown flag: --bad");
  assert.equal(err.ranges[0]!.start.line, 3);
  const err2 = failsWith(() => parse(parseDockerfile("ARG a\nRUN x\n").ast, undefined), "no build stage in current context");
  assert.equal(err2.ranges[0]!.start.line, 2);
});

test("parseCommand refuses a FROM", () => {
  failsWith(() => parseCommand(first("FROM a")), "*instructions.Stage is not a command type");
  assert.ok(parseCommand(first("RUN x")) instanceof RunCommand);
  assert.ok(parseInstruction(first("FROM a")) instanceof Stage);
});

test("RUN flags used", () => {
  const c = parseInstruction(first("RUN --mount=type=tmpfs,target=/foo/ echo hello"));
  assert.ok(c instanceof RunCommand);
  assert.deepEqual(c.flagsUsed, ["mount"]);
});

test("RUN heredocs", () => {
  const cases: [string, boolean, string[], [string, string, boolean][]][] = [
    [`RUN ["ls", "/"]`, false, ["ls", "/"], []],
    [`RUN ["<<EOF"]`, false, ["<<EOF"], []],
    ["RUN ls /", true, ["ls /"], []],
    ["RUN <<EOF\nls /\nwhoami\nEOF", true, ["<<EOF"], [["EOF", "ls /\nwhoami\n", false]]],
    [`RUN <<'EOF' | python\nprint("hello")\nprint("world")\nEOF`, true, ["<<'EOF' | python"], [["EOF", 'print("hello")\nprint("world")\n', false]]],
    ["RUN <<-EOF\n\techo test\nEOF", true, ["<<-EOF"], [["EOF", "\techo test\n", true]]],
  ];
  for (const [df, shell, cmd, files] of cases) {
    const c = parseInstruction(first(df));
    assert.ok(c instanceof RunCommand);
    assert.equal(c.prependShell, shell);
    assert.deepEqual(c.cmdLine, cmd);
    assert.deepEqual(c.files.map((f) => [f.name, f.data, f.chomp]), files);
  }
});

test("parseDevice", () => {
  const cases: [string, string, boolean][] = [
    ["vendor1.com/device=foo", "vendor1.com/device=foo", false],
    ["vendor1.com/device", "vendor1.com/device", false],
    ["vendor1.com/device=foo,required", "vendor1.com/device=foo", true],
    ["vendor1.com/device=foo,required=true", "vendor1.com/device=foo", true],
    ["vendor1.com/device=foo,required=false", "vendor1.com/device=foo", false],
    ["name=vendor1.com/device=foo", "vendor1.com/device=foo", false],
    ["name=vendor1.com/device=foo,required", "vendor1.com/device=foo", true],
  ];
  for (const [input, name, required] of cases) assert.deepEqual(parseDevice(input), { name, required }, input);
  failsWith(() => parseDevice("vendor1.com/device=foo,name=vendor2.com/device=bar"), "device name already set to vendor1.com/device=foo");
  failsWith(() => parseDevice("a,nme=b"), "unexpected key 'nme' in 'nme=b' (did you mean name?)");
  const csv = 'failed to parse csv devices: parse error on line 1, column';
  failsWith(() => parseDevice('"a'), `${csv} 2: extraneous or missing " in quoted-field`);
  failsWith(() => parseDevice('a,"b'), `${csv} 4: extraneous or missing " in quoted-field`);
  failsWith(() => parseDevice('"a"b'), `${csv} 3: extraneous or missing " in quoted-field`);
  failsWith(() => parseDevice('"\u00e9'), `${csv} 2: extraneous or missing " in quoted-field`);
  failsWith(() => parseDevice(""), "failed to parse csv devices: EOF");
});

test("handleJSONArgs", () => {
  assert.deepEqual(handleJSONArgs([], {}), []);
  assert.deepEqual(handleJSONArgs(["foo"], { json: true }), ["foo"]);
  assert.deepEqual(handleJSONArgs(["foo", "bar"], { json: true }), ["foo", "bar"]);
  assert.deepEqual(handleJSONArgs(["foo", "bar"], undefined), ["foo bar"]);
});
