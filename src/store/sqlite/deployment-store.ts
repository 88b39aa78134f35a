import type { DatabaseSync } from "node:sqlite";
import { deepFreeze } from "../../core/freeze.ts";
import type { AppSummary, DeploymentRecord, DeploymentStore } from "../ports.ts";
import { transaction } from "./database.ts";

interface DeploymentRow {
  app: string;
  version: number;
  created_at: number;
  config: string;
  function_hashes: string;
  source: "deploy" | "rollback";
  source_version: number | null;
}

function toRecord(row: DeploymentRow): DeploymentRecord {
  return deepFreeze({
    app: row.app,
    version: row.version,
    createdAt: row.created_at,
    config: JSON.parse(row.config),
    functionHashes: JSON.parse(row.function_hashes),
    source: row.source,
    sourceVersion: row.source_version ?? undefined,
  });
}

export function createSqliteDeploymentStore(db: DatabaseSync): DeploymentStore {
  const maxVersion = db.prepare("SELECT COALESCE(MAX(version), 0) AS version FROM deployments WHERE app = ?");
  const insert = db.prepare(
    `INSERT INTO deployments (app, version, created_at, config, function_hashes, source, source_version)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const activate = db.prepare(
    `INSERT INTO apps (app, active_version, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (app) DO UPDATE SET active_version = excluded.active_version, updated_at = excluded.updated_at`,
  );
  const selectOne = db.prepare("SELECT * FROM deployments WHERE app = ? AND version = ?");
  const selectActive = db.prepare(
    "SELECT d.* FROM apps a JOIN deployments d ON d.app = a.app AND d.version = a.active_version WHERE a.app = ?",
  );
  const selectMany = db.prepare("SELECT * FROM deployments WHERE app = ? ORDER BY version DESC LIMIT ?");
  const selectApps = db.prepare(
    `SELECT a.app, a.active_version, a.updated_at, d.config FROM apps a
     JOIN deployments d ON d.app = a.app AND d.version = a.active_version ORDER BY a.app`,
  );
  const nextVersionSync = (app: string) => (maxVersion.get(app) as { version: number }).version + 1;

  return {
    async createDeployment(input) {
      return transaction(db, () => {
        const version = nextVersionSync(input.app);
        const createdAt = Date.now();
        insert.run(
          input.app,
          version,
          createdAt,
          JSON.stringify(input.config),
          JSON.stringify(input.functionHashes),
          input.source,
          input.sourceVersion ?? null,
        );
        activate.run(input.app, version, createdAt);
        return toRecord(selectOne.get(input.app, version) as unknown as DeploymentRow);
      });
    },
    async nextVersion(app) {
      return nextVersionSync(app);
    },
    async activeDeployment(app) {
      const row = selectActive.get(app) as DeploymentRow | undefined;
      return row && toRecord(row);
    },
    async getDeployment(app, version) {
      const row = selectOne.get(app, version) as DeploymentRow | undefined;
      return row && toRecord(row);
    },
    async listDeployments(app, limit) {
      return (selectMany.all(app, limit) as unknown as DeploymentRow[]).map(toRecord);
    },
    async listApps(): Promise<AppSummary[]> {
      const rows = selectApps.all() as unknown as {
        app: string;
        active_version: number;
        updated_at: number;
        config: string;
      }[];
      return rows.map((row) => ({
        app: row.app,
        activeVersion: row.active_version,
        updatedAt: row.updated_at,
        functions: Object.keys(JSON.parse(row.config).functions),
      }));
    },
  };
}
