import type { DatabaseSync } from "node:sqlite";
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

export function createSqliteAccessKeyStore(db: DatabaseSync): AccessKeyStore {
  const insert = db.prepare(
    "INSERT INTO access_keys (id, name, secret_ciphertext, policy, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const selectOne = db.prepare("SELECT * FROM access_keys WHERE id = ?");
  const selectAll = db.prepare("SELECT * FROM access_keys ORDER BY created_at, id");
  const revoke = db.prepare("UPDATE access_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  return {
    async createAccessKey(record) {
      insert.run(
        record.id,
        record.name,
        record.secretCiphertext,
        record.policy,
        record.createdAt,
        record.revokedAt ?? null,
      );
    },
    async getAccessKey(id) {
      const row = selectOne.get(id) as AccessKeyRow | undefined;
      return row && toRecord(row);
    },
    async listAccessKeys() {
      return (selectAll.all() as unknown as AccessKeyRow[]).map(toRecord);
    },
    async revokeAccessKey(id, revokedAt) {
      return revoke.run(revokedAt, id).changes > 0;
    },
  };
}
