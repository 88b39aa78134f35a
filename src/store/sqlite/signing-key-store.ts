import type { DatabaseSync } from "node:sqlite";
import type { SigningKeyRecord, SigningKeyStore } from "../identity-ports.ts";

interface SigningKeyRow {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_jwk_ciphertext: string;
  created_at: number;
}

export function createSqliteSigningKeyStore(db: DatabaseSync): SigningKeyStore {
  const insert = db.prepare(
    "INSERT INTO signing_keys (kid, algorithm, public_jwk, private_jwk_ciphertext, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  const selectAll = db.prepare("SELECT * FROM signing_keys ORDER BY created_at DESC, kid DESC");
  const remove = db.prepare("DELETE FROM signing_keys WHERE kid = ?");
  return {
    async addSigningKey(record) {
      insert.run(
        record.kid,
        record.algorithm,
        record.publicJwk,
        record.privateJwkCiphertext,
        record.createdAt,
      );
    },
    async listSigningKeys(): Promise<SigningKeyRecord[]> {
      return (selectAll.all() as unknown as SigningKeyRow[]).map((row) => ({
        kid: row.kid,
        algorithm: row.algorithm,
        publicJwk: row.public_jwk,
        privateJwkCiphertext: row.private_jwk_ciphertext,
        createdAt: row.created_at,
      }));
    },
    async deleteSigningKey(kid) {
      remove.run(kid);
    },
  };
}
