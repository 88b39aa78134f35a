import type { DatabaseSync } from "node:sqlite";
import type { BucketObjectStore } from "../bucket-object-ports.ts";
import { BUCKET_OBJECT_COLUMNS, type BucketObjectRow, toBucketObject } from "../bucket-object-rows.ts";
import { transaction } from "./database.ts";

// SQLite compares TEXT with BINARY collation (byte order of UTF-8), which is S3's order.
export function createSqliteBucketObjectStore(db: DatabaseSync): BucketObjectStore {
  const select = db.prepare(
    `SELECT ${BUCKET_OBJECT_COLUMNS} FROM bucket_objects WHERE app = :app AND bucket = :bucket AND object_key = :key`,
  );
  const upsert = db.prepare(
    `INSERT INTO bucket_objects (${BUCKET_OBJECT_COLUMNS})
     VALUES (:app, :bucket, :key, :blob, :size, :etag, :type, :meta, :modified)
     ON CONFLICT (app, bucket, object_key) DO UPDATE SET
       blob_id = excluded.blob_id, size_bytes = excluded.size_bytes, etag = excluded.etag,
       content_type = excluded.content_type, metadata = excluded.metadata,
       last_modified = excluded.last_modified`,
  );
  const remove = db.prepare(
    "DELETE FROM bucket_objects WHERE app = :app AND bucket = :bucket AND object_key = :key",
  );
  const list = db.prepare(
    `SELECT ${BUCKET_OBJECT_COLUMNS} FROM bucket_objects
     WHERE app = :app AND bucket = :bucket AND object_key > :after
       AND substr(object_key, 1, length(:prefix)) = :prefix
     ORDER BY object_key LIMIT :limit`,
  );
  const blobUsed = db.prepare("SELECT 1 FROM bucket_objects WHERE blob_id = :blob LIMIT 1");
  const find = (app: string, bucket: string, key: string) => {
    const row = select.get({ app, bucket, key }) as BucketObjectRow | undefined;
    return row && toBucketObject(row);
  };

  return {
    async putObject(record) {
      return transaction(db, () => {
        const replaced = find(record.app, record.bucket, record.key);
        upsert.run({
          app: record.app,
          bucket: record.bucket,
          key: record.key,
          blob: record.blobId,
          size: record.sizeBytes,
          etag: record.etag,
          type: record.contentType,
          meta: JSON.stringify(record.metadata),
          modified: record.lastModifiedMs,
        });
        return { replacedBlobId: replaced?.blobId };
      });
    },
    async getObject(app, bucket, key) {
      return find(app, bucket, key);
    },
    async deleteObject(app, bucket, key) {
      return transaction(db, () => {
        const existing = find(app, bucket, key);
        if (existing) remove.run({ app, bucket, key });
        return existing;
      });
    },
    async listObjects(app, bucket, options) {
      const rows = list.all({
        app,
        bucket,
        after: options.startAfter ?? "",
        prefix: options.prefix ?? "",
        limit: options.limit,
      }) as unknown as BucketObjectRow[];
      return rows.map(toBucketObject);
    },
    async hasBlob(blobId) {
      return blobUsed.get({ blob: blobId }) !== undefined;
    },
  };
}
