import type pg from "pg";
import type { AccessKeyRecord, AccessKeyStore } from "../identity-ports.ts";

interface AccessKeyRow {
  id: string;
  name: string;
  secret_ciphertext: string;
  policy: string;
  created_at: number;
  revoked_at: number | null;
}

function toRecord(row: AccessKeyRow): AccessKeyRecord {
  return {
    id: row.id,
    name: row.name,
    secretCiphertext: row.secret_ciphertext,
    policy: row.policy,
    createdAt: row.created_at,
    revokedAt: row.revoked_at ?? undefined,
  };
}

export function createPostgresAccessKeyStore(pool: pg.Pool): AccessKeyStore {
  return {
    async createAccessKey(record) {
      await pool.query(
        "INSERT INTO access_keys (id, name, secret_ciphertext, policy, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [
          record.id,
          record.name,
          record.secretCiphertext,
          record.policy,
          record.createdAt,
          record.revokedAt ?? null,
        ],
      );
    },
    async getAccessKey(id) {
      const { rows } = await pool.query<AccessKeyRow>("SELECT * FROM access_keys WHERE id = $1", [id]);
      return rows[0] && toRecord(rows[0]);
    },
    async listAccessKeys() {
      const { rows } = await pool.query<AccessKeyRow>("SELECT * FROM access_keys ORDER BY created_at, id");
      return rows.map(toRecord);
    },
    async revokeAccessKey(id, revokedAt) {
      const result = await pool.query(
        "UPDATE access_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        [revokedAt, id],
      );
      return (result.rowCount ?? 0) > 0;
    },
  };
}
