import type { DatabaseSync } from "node:sqlite";
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

export function createSqliteSecretStore(db: DatabaseSync): SecretStore {
  const latestVersion = db.prepare(
    "SELECT COALESCE(MAX(version), 0) AS version FROM secrets WHERE app = ? AND name = ?",
  );
  const insert = db.prepare(
    "INSERT INTO secrets (app, name, version, type, ciphertext, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const selectVersion = db.prepare("SELECT * FROM secrets WHERE app = ? AND name = ? AND version = ?");
  const selectLatest = db.prepare(
    "SELECT * FROM secrets WHERE app = ? AND name = ? ORDER BY version DESC LIMIT 1",
  );
  const selectAll = db.prepare(
    `SELECT s.* FROM secrets s
     JOIN (SELECT name, MAX(version) AS version FROM secrets WHERE app = ? GROUP BY name) latest
       ON latest.name = s.name AND latest.version = s.version
     WHERE s.app = ? ORDER BY s.name`,
  );
  const remove = db.prepare("DELETE FROM secrets WHERE app = ? AND name = ?");
  return {
    async putSecretVersion(input) {
      return transaction(db, () => {
        const version = (latestVersion.get(input.app, input.name) as { version: number }).version + 1;
        insert.run(input.app, input.name, version, input.type, input.ciphertext, input.createdAt);
        return { ...input, version };
      });
    },
    async getSecret(app, name, version) {
      const row = (
        version === undefined ? selectLatest.get(app, name) : selectVersion.get(app, name, version)
      ) as SecretRow | undefined;
      return row && toRecord(row);
    },
    async listSecrets(app) {
      return (selectAll.all(app, app) as unknown as SecretRow[]).map(toRecord);
    },
    async deleteSecret(app, name) {
      return Number(remove.run(app, name).changes);
    },
  };
}
