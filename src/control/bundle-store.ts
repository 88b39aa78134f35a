// Where deployed bundles live: a small port, so every node of a cluster can reach the
// bundles any node deployed. Bundles are addressed by content hash, so an unchanged
// function is stored once across versions and a rollback finds its code still there.
// Implementations: file-bundle-store.ts (a directory, possibly a shared volume) and
// s3-bundle-store.ts (an S3-compatible bucket); open-bundle-store.ts picks one.
import { createHash } from "node:crypto";
import type { FunctionConfig } from "../core/manifest/normalize.ts";
import type { FunctionBundle } from "./app-package.ts";

export interface BundleStore {
  /** Stores a bundle and its source map; resolves once both are durable. A no-op when stored already. */
  write(app: string, functionName: string, hash: string, bundle: FunctionBundle): Promise<void>;
  has(app: string, functionName: string, hash: string): Promise<boolean>;
  /**
   * A file on this machine holding the bundle (its source map beside it as `<file>.map`), for
   * the runtime to import. A remote store downloads it into a local cache first.
   */
  localPath(app: string, functionName: string, hash: string): Promise<string>;
  /** Said in errors and logs: where bundles are kept. */
  readonly description: string;
}

export function functionHash(config: FunctionConfig, bundle: FunctionBundle): string {
  return createHash("sha256")
    .update(JSON.stringify(config))
    .update("\0")
    .update(bundle.code)
    .update("\0")
    .update(bundle.sourceMap ?? "")
    .digest("hex");
}

/** The same relative layout in every store: `<app>/<hash prefix>/<function>.mjs`. */
export function bundleKey(app: string, functionName: string, hash: string): string {
  return `${app}/${hash.slice(0, 32)}/${functionName}.mjs`;
}
