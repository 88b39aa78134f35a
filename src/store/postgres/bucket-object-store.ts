import type pg from "pg";
import type { BucketObjectStore } from "../bucket-object-ports.ts";
import { BUCKET_OBJECT_COLUMNS, type BucketObjectRow, toBucketObject } from "../bucket-object-rows.ts";
import { transaction } from "./database.ts";

// object_key is declared COLLATE "C", so comparisons and ORDER BY are byte order, as in S3
// and in the SQLite adapter, whatever the database's default collation.
export function createPostgresBucketObjectStore(pool: pg.Pool): BucketObjectStore {
  const selectSql = `SELECT ${BUCKET_OBJECT_COLUMNS} FROM bucket_objects
    WHERE app = $1 AND bucket = $2 AND object_key = $3`;
  return {
    putObject(record) {
      return transaction(pool, async (client) => {
        // FOR UPDATE: two concurrent puts of one key each learn the blob the other replaced.
        const { rows } = await client.query<BucketObjectRow>(`${selectSql} FOR UPDATE`, [
          record.app,
          record.bucket,
          record.key,
        ]);
        await client.query(
          `INSERT INTO bucket_objects (${BUCKET_OBJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (app, bucket, object_key) DO UPDATE SET
             blob_id = excluded.blob_id, size_bytes = excluded.size_bytes, etag = excluded.etag,
             content_type = excluded.content_type, metadata = excluded.metadata,
             last_modified = excluded.last_modified`,
          [
            record.app,
            record.bucket,
            record.key,
            record.blobId,
            record.sizeBytes,
            record.etag,
            record.contentType,
            JSON.stringify(record.metadata),
            record.lastModifiedMs,
          ],
        );
        return { replacedBlobId: rows[0]?.blob_id };
      });
    },
    async getObject(app, bucket, key) {
      const { rows } = await pool.query<BucketObjectRow>(selectSql, [app, bucket, key]);
      return rows[0] && toBucketObject(rows[0]);
    },
    async deleteObject(app, bucket, key) {
      const { rows } = await pool.query<BucketObjectRow>(
        `DELETE FROM bucket_objects WHERE app = $1 AND bucket = $2 AND object_key = $3
         RETURNING ${BUCKET_OBJECT_COLUMNS}`,
        [app, bucket, key],
      );
      return rows[0] && toBucketObject(rows[0]);
    },
    async listObjects(app, bucket, options) {
      const { rows } = await pool.query<BucketObjectRow>(
        `SELECT ${BUCKET_OBJECT_COLUMNS} FROM bucket_objects
         WHERE app = $1 AND bucket = $2 AND object_key > $3 AND starts_with(object_key, $4)
         ORDER BY object_key LIMIT $5`,
        [app, bucket, options.startAfter ?? "", options.prefix ?? "", options.limit],
      );
      return rows.map(toBucketObject);
    },
    async hasBlob(blobId) {
      const { rows } = await pool.query("SELECT 1 FROM bucket_objects WHERE blob_id = $1 LIMIT 1", [blobId]);
      return rows.length > 0;
    },
  };
}
