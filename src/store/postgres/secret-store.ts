import type pg from "pg";
import type { SecretRecord, SecretStore } from "../identity-ports.ts";
import { transaction } from "./database.ts";

interface SecretRow {
  app: string;
  name: string;
  version: number;
  type: "plain" | "secret";
  ciphertext: string;
  created_at: number;
}

function toRecord(row: SecretRow): SecretRecord {
  return {
    app: row.app,
    name: row.name,
    version: row.version,
    type: row.type,
    ciphertext: row.ciphertext,
    createdAt: row.created_at,
  };
}

export function createPostgresSecretStore(pool: pg.Pool): SecretStore {
  return {
    putSecretVersion(input) {
      return transaction(pool, async (client) => {
        // Puts of one name from several nodes are numbered one at a time: a transaction-scoped
        // advisory lock on the name (other names are not held up).
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
          `secret:${input.app}/${input.name}`,
        ]);
        const { rows } = await client.query<SecretRow>(
          `INSERT INTO secrets (app, name, version, type, ciphertext, created_at)
           SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5 FROM secrets WHERE app = $1 AND name = $2
           RETURNING *`,
          [input.app, input.name, input.type, input.ciphertext, input.createdAt],
        );
        return toRecord(rows[0] as SecretRow);
      });
    },
    async getSecret(app, name, version) {
      const { rows } =
        version === undefined
          ? await pool.query<SecretRow>(
              "SELECT * FROM secrets WHERE app = $1 AND name = $2 ORDER BY version DESC LIMIT 1",
              [app, name],
            )
          : await pool.query<SecretRow>(
              "SELECT * FROM secrets WHERE app = $1 AND name = $2 AND version = $3",
              [app, name, version],
            );
      return rows[0] && toRecord(rows[0]);
    },
    async listSecrets(app) {
      const { rows } = await pool.query<SecretRow>(
        "SELECT DISTINCT ON (name) * FROM secrets WHERE app = $1 ORDER BY name, version DESC",
        [app],
      );
      return rows.map(toRecord);
    },
    async deleteSecret(app, name) {
      const result = await pool.query("DELETE FROM secrets WHERE app = $1 AND name = $2", [app, name]);
      return result.rowCount ?? 0;
    },
  };
}
