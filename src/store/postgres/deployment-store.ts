import type pg from "pg";
import { deepFreeze } from "../../core/freeze.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import type { AppSummary, DeploymentRecord, DeploymentStore, NewDeployment } from "../ports.ts";
import { transaction } from "./database.ts";

interface DeploymentRow {
  app: string;
  version: number;
  created_at: number;
  config: AppConfig;
  function_hashes: Record<string, string>;
  source: "deploy" | "rollback";
  source_version: number | null;
}

function toRecord(row: DeploymentRow): DeploymentRecord {
  return deepFreeze({
    app: row.app,
    version: row.version,
    createdAt: row.created_at,
    config: row.config,
    functionHashes: row.function_hashes,
    source: row.source,
    sourceVersion: row.source_version ?? undefined,
  });
}

const NEXT_VERSION = "SELECT COALESCE(MAX(version), 0) + 1 AS version FROM deployments WHERE app = $1";

async function createDeployment(pool: pg.Pool, input: NewDeployment): Promise<DeploymentRecord> {
  return transaction(pool, async (client) => {
    // Deploys of one app may come from several nodes at once. The app's row is the lock that
    // numbers them one at a time: make sure it exists (a placeholder nobody else can see
    // before commit), lock it, and only then read the highest version.
    const createdAt = Date.now();
    await client.query(
      "INSERT INTO apps (app, active_version, updated_at) VALUES ($1, 0, $2) ON CONFLICT (app) DO NOTHING",
      [input.app, createdAt],
    );
    await client.query("SELECT 1 FROM apps WHERE app = $1 FOR UPDATE", [input.app]);
    const { rows } = await client.query<{ version: number }>(NEXT_VERSION, [input.app]);
    const version = rows[0]?.version ?? 1;
    const inserted = await client.query<DeploymentRow>(
      `INSERT INTO deployments (app, version, created_at, config, function_hashes, source, source_version)
       VALUES ($1, $2, $3, $4::json, $5::json, $6, $7) RETURNING *`,
      [
        input.app,
        version,
        createdAt,
        JSON.stringify(input.config),
        JSON.stringify(input.functionHashes),
        input.source,
        input.sourceVersion ?? null,
      ],
    );
    await client.query("UPDATE apps SET active_version = $2, updated_at = $3 WHERE app = $1", [
      input.app,
      version,
      createdAt,
    ]);
    return toRecord(inserted.rows[0] as DeploymentRow);
  });
}

export function createPostgresDeploymentStore(pool: pg.Pool): DeploymentStore {
  return {
    createDeployment: (input) => createDeployment(pool, input),
    async nextVersion(app) {
      const { rows } = await pool.query<{ version: number }>(NEXT_VERSION, [app]);
      return rows[0]?.version ?? 1;
    },
    async activeDeployment(app) {
      const { rows } = await pool.query<DeploymentRow>(
        "SELECT d.* FROM apps a JOIN deployments d ON d.app = a.app AND d.version = a.active_version WHERE a.app = $1",
        [app],
      );
      return rows[0] && toRecord(rows[0]);
    },
    async getDeployment(app, version) {
      const { rows } = await pool.query<DeploymentRow>(
        "SELECT * FROM deployments WHERE app = $1 AND version = $2",
        [app, version],
      );
      return rows[0] && toRecord(rows[0]);
    },
    async listDeployments(app, limit) {
      const { rows } = await pool.query<DeploymentRow>(
        "SELECT * FROM deployments WHERE app = $1 ORDER BY version DESC LIMIT $2",
        [app, limit],
      );
      return rows.map(toRecord);
    },
    async listApps(): Promise<AppSummary[]> {
      // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
      const { rows } = await pool.query<{
        app: string;
        active_version: number;
        updated_at: number;
        config: AppConfig;
      }>(
        `SELECT a.app, a.active_version, a.updated_at, d.config FROM apps a
         JOIN deployments d ON d.app = a.app AND d.version = a.active_version ORDER BY a.app COLLATE "C"`,
      );
      return rows.map((row) => ({
        app: row.app,
        activeVersion: row.active_version,
        updatedAt: row.updated_at,
        functions: Object.keys(row.config.functions),
      }));
    },
  };
}
