/**
 * The image config a stage starts from: port of buildkit v0.32.2
 * frontend/dockerfile/dockerfile2llb/image.go (clone, cloneX, emptyImage).
 * `clone` is llb/image-config.ts's cloneDockerOCIImage.
 */

import { cloneDockerOCIImage, newDockerOCIImage, type DockerOCIImage } from "../../llb/image-config.js";
import type { Platform } from "../../llb/index.js";
import { defaultPathEnv } from "../system/path.js";

/** image.go cloneX: a deep copy, or undefined. */
export function cloneX(src: DockerOCIImage | undefined): DockerOCIImage | undefined {
  return src === undefined ? undefined : cloneDockerOCIImage(src);
}

/** image.go emptyImage: the config of `FROM scratch` for `platform` (WorkingDir "/", PATH set except on Windows). */
export function emptyImage(platform: Platform): DockerOCIImage {
  const img = newDockerOCIImage();
  img.architecture = platform.architecture;
  img.os = platform.os;
  img.osVersion = platform.osVersion ?? "";
  if (platform.osFeatures !== undefined) img.osFeatures = [...platform.osFeatures];
  img.variant = platform.variant ?? "";
  img.rootFS.type = "layers";
  img.config.workingDir = "/";
  if (platform.os !== "windows") img.config.env = ["PATH=" + defaultPathEnv(platform.os)];
  return img;
}
