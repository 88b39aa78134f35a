import type pg from "pg";
import type { SigningKeyStore } from "../identity-ports.ts";

interface SigningKeyRow {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_jwk_ciphertext: string;
  created_at: number;
}

export function createPostgresSigningKeyStore(pool: pg.Pool): SigningKeyStore {
  return {
    async addSigningKey(record) {
      await pool.query(
        "INSERT INTO signing_keys (kid, algorithm, public_jwk, private_jwk_ciphertext, created_at) VALUES ($1, $2, $3, $4, $5)",
        [record.kid, record.algorithm, record.publicJwk, record.privateJwkCiphertext, record.createdAt],
      );
    },
    async listSigningKeys() {
      const { rows } = await pool.query<SigningKeyRow>(
        "SELECT * FROM signing_keys ORDER BY created_at DESC, kid DESC",
      );
      return rows.map((row) => ({
        kid: row.kid,
        algorithm: row.algorithm,
        publicJwk: row.public_jwk,
        privateJwkCiphertext: row.private_jwk_ciphertext,
        createdAt: row.created_at,
      }));
    },
    async deleteSigningKey(kid) {
      await pool.query("DELETE FROM signing_keys WHERE kid = $1", [kid]);
    },
  };
}
