import type pg from "pg";
import type { ApiKeyRecord, ApiKeyStore } from "../identity-ports.ts";

interface ApiKeyRow {
  id: string;
  app: string;
  name: string;
  key_hash: string;
  plan: string | null;
  created_at: number;
  revoked_at: number | null;
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    app: row.app,
    name: row.name,
    keyHash: row.key_hash,
    plan: row.plan ?? undefined,
    createdAt: row.created_at,
    revokedAt: row.revoked_at ?? undefined,
  };
}

export function createPostgresApiKeyStore(pool: pg.Pool): ApiKeyStore {
  return {
    async createApiKey(record) {
      await pool.query(
        "INSERT INTO api_keys (id, app, name, key_hash, plan, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
          record.id,
          record.app,
          record.name,
          record.keyHash,
          record.plan ?? null,
          record.createdAt,
          record.revokedAt ?? null,
        ],
      );
    },
    async getApiKeyByHash(keyHash) {
      const { rows } = await pool.query<ApiKeyRow>("SELECT * FROM api_keys WHERE key_hash = $1", [keyHash]);
      return rows[0] && toRecord(rows[0]);
    },
    async listApiKeys(app) {
      const { rows } = await pool.query<ApiKeyRow>(
        "SELECT * FROM api_keys WHERE app = $1 ORDER BY created_at, id",
        [app],
      );
      return rows.map(toRecord);
    },
    async revokeApiKey(app, id, revokedAt) {
      const result = await pool.query(
        "UPDATE api_keys SET revoked_at = $1 WHERE app = $2 AND id = $3 AND revoked_at IS NULL",
        [revokedAt, app, id],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async consumeQuota(keyId, windowStart, limit) {
      if (limit <= 0) return undefined;
      // The conditional upsert counts only below the limit, so nodes counting at once cannot overshoot.
      const { rows } = await pool.query<{ count: number }>(
        `INSERT INTO api_key_usage (key_id, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key_id, window_start) DO UPDATE SET count = api_key_usage.count + 1
         WHERE api_key_usage.count < $3
         RETURNING count`,
        [keyId, windowStart, limit],
      );
      return rows[0]?.count;
    },
    async quotaUsed(keyId, windowStart) {
      const { rows } = await pool.query<{ count: number }>(
        "SELECT count FROM api_key_usage WHERE key_id = $1 AND window_start = $2",
        [keyId, windowStart],
      );
      return rows[0]?.count ?? 0;
    },
  };
}
