import type pg from "pg";
import { deepFreeze } from "../../core/freeze.ts";
import type { FunctionConfig } from "../../core/manifest/normalize.ts";
import type { AliasRecord, FunctionVersionRecord, FunctionVersionStore } from "../function-version-ports.ts";
import { transaction } from "./database.ts";

interface VersionRow {
  app: string;
  function_name: string;
  version: number;
  hash: string;
  config: FunctionConfig;
  created_at: number;
  deployment_version: number;
}

interface AliasRow {
  app: string;
  function_name: string;
  name: string;
  version: number;
  canary_version: number | null;
  canary_weight: number | null;
  previous_version: number | null;
  updated_at: number;
}

function toVersion(row: VersionRow): FunctionVersionRecord {
  return deepFreeze({
    app: row.app,
    functionName: row.function_name,
    version: row.version,
    hash: row.hash,
    config: row.config,
    createdAt: row.created_at,
    deploymentVersion: row.deployment_version,
  });
}

function toAlias(row: AliasRow): AliasRecord {
  return deepFreeze({
    app: row.app,
    functionName: row.function_name,
    name: row.name,
    version: row.version,
    canary:
      row.canary_version === null || row.canary_weight === null
        ? undefined
        : { version: row.canary_version, weight: row.canary_weight },
    previousVersion: row.previous_version ?? undefined,
    updatedAt: row.updated_at,
  });
}

export function createPostgresFunctionVersionStore(pool: pg.Pool): FunctionVersionStore {
  return {
    async publishVersions(app, deploymentVersion, functions) {
      await transaction(pool, async (client) => {
        const now = Date.now();
        for (const fn of functions) {
          await client.query(
            `INSERT INTO function_versions (app, function_name, version, hash, config, created_at, deployment_version)
             VALUES ($1, $2, $3, $4, $5::json, $6, $7) ON CONFLICT (app, function_name, version) DO NOTHING`,
            [app, fn.functionName, fn.version, fn.hash, JSON.stringify(fn.config), now, deploymentVersion],
          );
        }
      });
    },
    async latestVersions(app) {
      const { rows } = await pool.query<VersionRow>(
        `SELECT DISTINCT ON (function_name) * FROM function_versions WHERE app = $1
         ORDER BY function_name, version DESC`,
        [app],
      );
      return rows.map(toVersion);
    },
    async listVersions(app, functionName, limit) {
      const { rows } = await pool.query<VersionRow>(
        "SELECT * FROM function_versions WHERE app = $1 AND function_name = $2 ORDER BY version DESC LIMIT $3",
        [app, functionName, limit],
      );
      return rows.map(toVersion);
    },
    async getVersion(app, functionName, version) {
      const { rows } = await pool.query<VersionRow>(
        "SELECT * FROM function_versions WHERE app = $1 AND function_name = $2 AND version = $3",
        [app, functionName, version],
      );
      return rows[0] && toVersion(rows[0]);
    },
    async setAlias(update) {
      return transaction(pool, async (client) => {
        // The row lock serialises two nodes moving one alias, so previous_version is exact.
        const { rows: old } = await client.query<AliasRow>(
          "SELECT * FROM function_aliases WHERE app = $1 AND function_name = $2 AND name = $3 FOR UPDATE",
          [update.app, update.functionName, update.name],
        );
        const before = old[0];
        const previous =
          before === undefined
            ? null
            : before.version === update.version
              ? before.previous_version
              : before.version;
        const { rows } = await client.query<AliasRow>(
          `INSERT INTO function_aliases (app, function_name, name, version, canary_version, canary_weight, previous_version, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (app, function_name, name) DO UPDATE SET version = excluded.version,
             canary_version = excluded.canary_version, canary_weight = excluded.canary_weight,
             previous_version = excluded.previous_version, updated_at = excluded.updated_at
           RETURNING *`,
          [
            update.app,
            update.functionName,
            update.name,
            update.version,
            update.canary?.version ?? null,
            update.canary?.weight ?? null,
            previous,
            Date.now(),
          ],
        );
        return toAlias(rows[0] as AliasRow);
      });
    },
    async getAlias(app, functionName, name) {
      const { rows } = await pool.query<AliasRow>(
        "SELECT * FROM function_aliases WHERE app = $1 AND function_name = $2 AND name = $3",
        [app, functionName, name],
      );
      return rows[0] && toAlias(rows[0]);
    },
    async listAliases(app) {
      const { rows } = await pool.query<AliasRow>(
        "SELECT * FROM function_aliases WHERE app = $1 ORDER BY function_name, name",
        [app],
      );
      return rows.map(toAlias);
    },
  };
}
