// Picks where bundles are kept, from configuration: a directory (default `<dataDir>/bundles`,
// or --bundle-dir / NIMBUS_BUNDLE_DIR, e.g. a shared volume) or an S3-compatible bucket
// (--bundle-store s3://bucket/prefix / NIMBUS_BUNDLE_STORE).
import { join, resolve } from "node:path";
import { NimbusError } from "../core/errors.ts";
import type { BundleStore } from "./bundle-store.ts";
import { FileBundleStore } from "./file-bundle-store.ts";

export interface OpenBundleStoreOptions {
  readonly dataDir: string;
  readonly bundleDir?: string | undefined;
  /** s3://bucket or s3://bucket/prefix. */
  readonly bundleStore?: string | undefined;
}

export interface S3Location {
  readonly bucket: string;
  /** "" or a prefix ending with "/". */
  readonly prefix: string;
}

// Bucket names as S3 allows them (3-63 characters: lower-case letters, digits, dots, hyphens).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Url(text: string): S3Location {
  const match = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(text.trim());
  const bucket = match?.[1];
  if (!bucket) {
    throw new NimbusError(
      "BUNDLE_STORE_URL_INVALID",
      `The bundle store "${text}" is not an s3://bucket/prefix URL.`,
    );
  }
  if (!BUCKET.test(bucket)) {
    throw new NimbusError(
      "BUNDLE_STORE_URL_INVALID",
      `"${bucket}" is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens).`,
    );
  }
  const path = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket, prefix: path === "" ? "" : `${path}/` };
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
  const location = parseS3Url(bundleStore);
  // Loaded only when asked for: a node that keeps bundles in a directory never loads the SDK.
  const { S3BundleStore } = await import("./s3-bundle-store.ts");
  return new S3BundleStore({ ...location, cacheDir: join(options.dataDir, "bundle-cache") });
}
