// Finds and reads an app's nimbus.yaml.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NimbusError } from "../core/errors.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import { parseManifest } from "../core/manifest/parse.ts";

export const MANIFEST_NAMES = ["nimbus.yaml", "nimbus.yml"] as const;

export interface ManifestFile {
  readonly appDir: string;
  readonly path: string;
  readonly text: string;
  readonly config: AppConfig;
}

export function findManifest(appDir: string): string {
  const dir = resolve(appDir);
  for (const name of MANIFEST_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new NimbusError("NIMBUS_MANIFEST_NOT_FOUND", `No nimbus.yaml in ${dir}`);
}

export function readManifest(appDir: string): ManifestFile {
  const path = findManifest(appDir);
  const text = readFileSync(path, "utf8");
  const name = path.slice(resolve(appDir).length + 1);
  return { appDir: resolve(appDir), path, text, config: parseManifest(text, name) };
}
