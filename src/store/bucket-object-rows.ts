// The row shape of bucket_objects, shared by the SQLite and PostgreSQL adapters.
import type { BucketObjectRecord } from "./bucket-object-ports.ts";

export interface BucketObjectRow {
  readonly app: string;
  readonly bucket: string;
  readonly object_key: string;
  readonly blob_id: string;
  readonly size_bytes: number | string;
  readonly etag: string;
  readonly content_type: string;
  readonly metadata: string;
  readonly last_modified: number | string;
}

export const BUCKET_OBJECT_COLUMNS =
  "app, bucket, object_key, blob_id, size_bytes, etag, content_type, metadata, last_modified";

export function toBucketObject(row: BucketObjectRow): BucketObjectRecord {
  return {
    app: row.app,
    bucket: row.bucket,
    key: row.object_key,
    blobId: row.blob_id,
    // PostgreSQL answers BIGINT as a string.
    sizeBytes: Number(row.size_bytes),
    etag: row.etag,
    contentType: row.content_type,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    lastModifiedMs: Number(row.last_modified),
  };
}

/** The largest code point: `prefix + PREFIX_END` sorts after every key starting with prefix. */
export const PREFIX_END = "\u{10FFFF}";
