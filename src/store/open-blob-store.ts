// Picks where bucket object bytes are kept, from configuration: a directory (default
// `<dataDir>/blobs`, or --blob-dir / NIMBUS_BLOB_DIR, e.g. a shared volume) or an S3-compatible
// bucket (--blob-store s3://bucket/prefix / NIMBUS_BLOB_STORE).
import { join, resolve } from "node:path";
import { NimbusError } from "../core/errors.ts";
import type { BlobStore } from "./blob-ports.ts";
import { FileBlobStore } from "./file-blob-store.ts";
import { parseS3Url } from "./s3/s3-location.ts";

export interface OpenBlobStoreOptions {
  readonly dataDir: string;
  readonly blobDir?: string | undefined;
  /** s3://bucket or s3://bucket/prefix. */
  readonly blobStore?: string | undefined;
}

// On a shared volume another node's upload may be in flight; none lasts a day.
const SHARED_TEMP_STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export async function openBlobStore(options: OpenBlobStoreOptions): Promise<BlobStore> {
  const blobDir = options.blobDir?.trim() || undefined;
  const blobStore = options.blobStore?.trim() || undefined;
  if (blobDir && blobStore) {
    throw new NimbusError(
      "BLOB_STORE_URL_INVALID",
      "Give either a blob directory or an s3:// blob store, not both.",
    );
  }
  let store: BlobStore;
  if (blobStore) {
    const location = parseS3Url(blobStore, "BLOB_STORE_URL_INVALID");
    // Loaded only when asked for: a node that keeps blobs in a directory never loads the SDK.
    const { S3BlobStore } = await import("./s3/s3-blob-store.ts");
    store = new S3BlobStore({ ...location, spoolDir: join(options.dataDir, "blob-spool") });
  } else if (blobDir) {
    store = new FileBlobStore({ root: resolve(blobDir), staleTempAfterMs: SHARED_TEMP_STALE_AFTER_MS });
  } else {
    store = new FileBlobStore({ root: join(options.dataDir, "blobs") });
  }
  await store.start();
  return store;
}
