import type { DatabaseSync } from "node:sqlite";
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

export function createSqliteApiKeyStore(db: DatabaseSync): ApiKeyStore {
  const insert = db.prepare(
    "INSERT INTO api_keys (id, app, name, key_hash, plan, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const byHash = db.prepare("SELECT * FROM api_keys WHERE key_hash = ?");
  const byApp = db.prepare("SELECT * FROM api_keys WHERE app = ? ORDER BY created_at, id");
  const revoke = db.prepare(
    "UPDATE api_keys SET revoked_at = ? WHERE app = ? AND id = ? AND revoked_at IS NULL",
  );
  // The conditional upsert counts only below the limit, so concurrent callers cannot overshoot.
  const consume = db.prepare(
    `INSERT INTO api_key_usage (key_id, window_start, count) VALUES (?, ?, 1)
     ON CONFLICT (key_id, window_start) DO UPDATE SET count = api_key_usage.count + 1
     WHERE api_key_usage.count < ?
     RETURNING count`,
  );
  const used = db.prepare("SELECT count FROM api_key_usage WHERE key_id = ? AND window_start = ?");
  return {
    async createApiKey(record) {
      insert.run(
        record.id,
        record.app,
        record.name,
        record.keyHash,
        record.plan ?? null,
        record.createdAt,
        record.revokedAt ?? null,
      );
    },
    async getApiKeyByHash(keyHash) {
      const row = byHash.get(keyHash) as ApiKeyRow | undefined;
      return row && toRecord(row);
    },
    async listApiKeys(app) {
      return (byApp.all(app) as unknown as ApiKeyRow[]).map(toRecord);
    },
    async revokeApiKey(app, id, revokedAt) {
      return revoke.run(revokedAt, app, id).changes > 0;
    },
    async consumeQuota(keyId, windowStart, limit) {
      if (limit <= 0) return undefined;
      const row = consume.get(keyId, windowStart, limit) as { count: number } | undefined;
      return row?.count;
    },
    async quotaUsed(keyId, windowStart) {
      return (used.get(keyId, windowStart) as { count: number } | undefined)?.count ?? 0;
    },
  };
}
