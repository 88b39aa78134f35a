// Picks where bundles are kept, from configuration: a directory (default `<dataDir>/bundles`,
// or --bundle-dir / NIMBUS_BUNDLE_DIR, e.g. a shared volume) or an S3-compatible bucket
// (--bundle-store s3://bucket/prefix / NIMBUS_BUNDLE_STORE).
import { join, resolve } from "node:path";
import { NimbusError } from "../core/errors.ts";
import { parseS3Url } from "../store/s3/s3-location.ts";
import type { BundleStore } from "./bundle-store.ts";
import { FileBundleStore } from "./file-bundle-store.ts";

export interface OpenBundleStoreOptions {
  readonly dataDir: string;
  readonly bundleDir?: string | undefined;
  /** s3://bucket or s3://bucket/prefix. */
  readonly bundleStore?: string | undefined;
}

export async function openBundleStore(options: OpenBundleStoreOptions): Promise<BundleStore> {
  const bundleDir = options.bundleDir?.trim() || undefined;
  const bundleStore = options.bundleStore?.trim() || undefined;
  if (bundleDir && bundleStore) {
    throw new NimbusError(
      "BUNDLE_STORE_URL_INVALID",
      "Give either a bundle directory or an s3:// bundle store, not both.",
    );
  }
  if (!bundleStore) return new FileBundleStore(resolve(bundleDir ?? join(options.dataDir, "bundles")));
  const location = parseS3Url(bundleStore, "BUNDLE_STORE_URL_INVALID");
  // Loaded only when asked for: a node that keeps bundles in a directory never loads the SDK.
  const { S3BundleStore } = await import("./s3-bundle-store.ts");
  return new S3BundleStore({ ...location, cacheDir: join(options.dataDir, "bundle-cache") });
}
