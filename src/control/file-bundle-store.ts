// Bundles in a directory: `<dataDir>/bundles` on one machine, or a shared volume (NFS, EFS,
// a Kubernetes ReadWriteMany volume) that every node of a cluster mounts.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { NimbusError } from "../core/errors.ts";
import { writeFileDurably } from "../store/durable-file.ts";
import type { FunctionBundle } from "./app-package.ts";
import { type BundleStore, bundleKey } from "./bundle-store.ts";

export class FileBundleStore implements BundleStore {
  readonly #root: string;
  readonly description: string;

  constructor(root: string) {
    this.#root = root;
    this.description = `the bundle directory ${root}`;
  }

  #path(app: string, functionName: string, hash: string): string {
    return join(this.#root, bundleKey(app, functionName, hash));
  }

  async has(app: string, functionName: string, hash: string): Promise<boolean> {
    return existsSync(this.#path(app, functionName, hash));
  }

  async write(app: string, functionName: string, hash: string, bundle: FunctionBundle): Promise<void> {
    const path = this.#path(app, functionName, hash);
    if (existsSync(path)) return;
    await mkdir(dirname(path), { recursive: true });
    // The map first: once the bundle exists the pair is complete.
    if (bundle.sourceMap) await writeFileDurably(`${path}.map`, bundle.sourceMap);
    await writeFileDurably(path, bundle.code);
  }

  async localPath(app: string, functionName: string, hash: string): Promise<string> {
    const path = this.#path(app, functionName, hash);
    if (existsSync(path)) return path;
    throw new NimbusError(
      "BUNDLE_STORE_UNAVAILABLE",
      `The bundle of ${app}/${functionName} (${hash.slice(0, 12)}) is not in ${this.description}; ` +
        "every node of a cluster must share one bundle directory (--bundle-dir) or bucket (--bundle-store).",
    );
  }
}
