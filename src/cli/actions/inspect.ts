/** What `tsfrontend inspect` does; its flags are declared in ../commands/inspect.ts, which loads this module only when the command runs. */

import type { Command } from "commander";
import type { InspectFlags } from "../commands/inspect.js";
import { UsageError } from "../../errors.js";
import { inspectImage, type BlobSource, type IndexEntry, type Inspection, type PlatformImage } from "../../client/image-inspect.js";
import { archiveSource, parseArchiveRef } from "../../client/oci-archive.js";
import { registrySource } from "../../client/registry.js";
import { parsePlatform } from "../../llb/platform.js";
import { formatBytes } from "../../internal/go/units.js";
import { TabWriter } from "../format.js";
import { formatDuration } from "../../internal/go/time.js";
import { oneOf } from "../options.js";

/** Runs `tsfrontend inspect REF`: the image's index, configs and layers as text or JSON. */
export async function runInspect(ref: string, flags: InspectFlags): Promise<void> {
  const format = oneOf(flags.format, ["text", "json"] as const, "--format");
  let platform;
  if (flags.platform !== undefined) {
    try {
      platform = parsePlatform(flags.platform);
    } catch (e) {
      throw new UsageError((e as Error).message, { flag: "--platform" });
    }
  }
  const archive = parseArchiveRef(ref);
  let source: BlobSource & { close?: () => void };
  if (archive) {
    source = archiveSource(archive);
  } else {
    source = registrySource(ref, { ...(flags.plainHttp ? { plainHttp: true } : {}), onWarning: (w) => process.stderr.write(`tsfrontend: warning: ${w}\n`) });
  }
  let result: Inspection;
  try {
    result = await inspectImage(source, platform ? { platform } : {});
  } finally {
    source.close?.();
  }
  process.stdout.write(format === "json" ? JSON.stringify(result, null, 2) + "\n" : formatInspection(result, platform !== undefined));
}

const PFX = "  ";

function size(n: number): string {
  return n < 1000 ? `${n}B` : `${formatBytes(n)} (${n}B)`;
}

function entryName(ins: Inspection, e: IndexEntry): string {
  // buildx: reference.WithDigest(ref, m.Digest); an archive has no repository to name.
  if (ins.name.startsWith("oci-archive:") || ins.name.startsWith("oci:")) return e.digest;
  const at = ins.name.indexOf("@");
  return `${at < 0 ? ins.name : ins.name.slice(0, at)}@${e.digest}`;
}

type Row = [string, string | string[] | null | undefined];

function present(items: Row[]): [string, string[]][] {
  return items.filter(([, v]) => !(v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0))).map(([k, v]) => [k, Array.isArray(v) ? v : [v as string]]);
}

/** Width of the key column (`Key:` plus one space) for rows, so several blocks can share it. */
function keyWidth(items: Row[]): number {
  return Math.max(0, ...present(items).map(([k]) => k.length + 2));
}

/** Key/value rows, values aligned at `width`; a value of several lines continues under the first. */
function rows(out: string[], prefix: string, items: Row[], width = keyWidth(items)): void {
  for (const [k, lines] of present(items)) lines.forEach((line, i) => out.push(`${prefix}${(i === 0 ? `${k}:` : "").padEnd(width)}${line}\n`));
}

function json(v: string[]): string {
  return JSON.stringify(v);
}

/** Go's time.Duration string of nanoseconds (`30s`, `1m30s`), for healthcheck intervals; null when unset. */
function nsDuration(ns: number | null): string | null {
  return ns === null || ns === 0 ? null : formatDuration(BigInt(Math.trunc(ns)));
}

function printImage(out: string[], img: PlatformImage): void {
  out.push(`\nImage ${img.platform}:\n`);
  const hc = img.healthcheck;
  rows(out, PFX, [
    ["Manifest", `${img.manifest.digest} (${img.manifest.mediaType}, ${img.manifest.size}B)`],
    ["Config", `${img.config.digest} (${img.config.mediaType}, ${img.config.size}B)`],
    ["Created", img.created],
    ["Platform", [img.os, img.architecture, img.variant].filter(Boolean).join("/")],
    ["User", img.user],
    ["Env", img.env],
    ["Entrypoint", img.entrypoint && json(img.entrypoint)],
    ["Cmd", img.cmd && json(img.cmd)],
    ["WorkingDir", img.workingDir],
    ["ExposedPorts", img.exposedPorts.join(", ")],
    ["Volumes", img.volumes],
    ["Labels", Object.entries(img.labels).map(([k, v]) => `${k}=${v}`)],
    ["StopSignal", img.stopSignal],
    [
      "Healthcheck",
      hc &&
        [
          json(hc.test),
          ...(
            [
              ["interval", nsDuration(hc.interval)],
              ["timeout", nsDuration(hc.timeout)],
              ["start period", nsDuration(hc.startPeriod)],
              ["start interval", nsDuration(hc.startInterval)],
              ["retries", hc.retries ? String(hc.retries) : null],
            ] as const
          )
            .filter(([, v]) => v !== null)
            .map(([k, v]) => `${k} ${v}`),
        ].join(", "),
    ],
  ]);
  out.push(`${PFX}Layers:\n`);
  const lt = new TabWriter(0, 0, 2, " ");
  lt.write(`${PFX}${PFX}DIGEST\tMEDIA TYPE\tSIZE\n`);
  for (const l of img.layers) lt.write(`${PFX}${PFX}${l.digest}\t${l.mediaType}\t${size(l.size)}\n`);
  out.push(lt.take());
  const n = img.layers.length;
  out.push(`${PFX}Total size: ${size(img.totalSize)} = ${n} layer${n === 1 ? "" : "s"} ${size(img.layersSize)} + manifest and config ${img.manifest.size + img.config.size}B\n`);
  out.push(`${PFX}History:\n`);
  const ht = new TabWriter(0, 0, 2, " ");
  ht.write(`${PFX}${PFX}CREATED\tEMPTY LAYER\tCREATED BY\n`);
  for (const h of img.history) ht.write(`${PFX}${PFX}${h.created ?? "-"}\t${h.emptyLayer ? "yes" : "no"}\t${(h.createdBy ?? "").replace(/\s*\n\s*/g, " ")}${h.comment ? ` (${h.comment})` : ""}\n`);
  out.push(ht.take());
}

/** The text form of an inspection: the index as buildx prints it, then each platform's image. */
export function formatInspection(ins: Inspection, onePlatform = false): string {
  const out: string[] = [];
  rows(out, "", [
    ["Name", ins.name],
    ["MediaType", ins.mediaType],
    ["Digest", ins.digest],
    ["Size", size(ins.size)],
  ]);
  if (ins.manifests.length > 0 && !onePlatform) {
    out.push("\nManifests:\n");
    const entries = ins.manifests.map((e): Row[] => [
      ["Name", entryName(ins, e)],
      ["MediaType", e.mediaType],
      ["Platform", e.platform],
      ["Size", size(e.size)],
      ["Attestation", e.attestation ? `for ${e.attests ?? "(no vnd.docker.reference.digest)"}` : null],
      ["Annotations", Object.keys(e.annotations).length > 0 ? " " : null],
    ]);
    // One value column for the whole list, as buildx's single tabwriter gives.
    const width = Math.max(...entries.map((r) => keyWidth(r)));
    ins.manifests.forEach((e, i) => {
      if (i > 0) out.push("\n");
      rows(out, PFX, entries[i]!.filter(([k]) => k !== "Annotations"), width);
      const keys = Object.keys(e.annotations);
      if (keys.length > 0) {
        out.push(`${PFX}Annotations:\n`);
        rows(out, PFX + PFX, keys.map((k): Row => [k, e.annotations[k]]));
      }
    });
  }
  for (const img of ins.images) printImage(out, img);
  return out.join("");
}
