import type { DatabaseSync } from "node:sqlite";
import { deepFreeze } from "../../core/freeze.ts";
import type { AliasRecord, FunctionVersionRecord, FunctionVersionStore } from "../function-version-ports.ts";
import { transaction } from "./database.ts";

interface VersionRow {
  app: string;
  function_name: string;
  version: number;
  hash: string;
  config: string;
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
    config: JSON.parse(row.config),
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

export function createSqliteFunctionVersionStore(db: DatabaseSync): FunctionVersionStore {
  const insert = db.prepare(
    `INSERT INTO function_versions (app, function_name, version, hash, config, created_at, deployment_version)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app, function_name, version) DO NOTHING`,
  );
  const selectLatest = db.prepare(
    `SELECT v.* FROM function_versions v
     JOIN (SELECT function_name, MAX(version) AS version FROM function_versions WHERE app = ? GROUP BY function_name) m
       ON m.function_name = v.function_name AND m.version = v.version
     WHERE v.app = ? ORDER BY v.function_name`,
  );
  const selectMany = db.prepare(
    "SELECT * FROM function_versions WHERE app = ? AND function_name = ? ORDER BY version DESC LIMIT ?",
  );
  const selectOne = db.prepare(
    "SELECT * FROM function_versions WHERE app = ? AND function_name = ? AND version = ?",
  );
  const selectAlias = db.prepare(
    "SELECT * FROM function_aliases WHERE app = ? AND function_name = ? AND name = ?",
  );
  const selectAliases = db.prepare(
    "SELECT * FROM function_aliases WHERE app = ? ORDER BY function_name, name",
  );
  const upsertAlias = db.prepare(
    `INSERT INTO function_aliases (app, function_name, name, version, canary_version, canary_weight, previous_version, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (app, function_name, name) DO UPDATE SET version = excluded.version,
       canary_version = excluded.canary_version, canary_weight = excluded.canary_weight,
       previous_version = excluded.previous_version, updated_at = excluded.updated_at`,
  );

  return {
    async publishVersions(app, deploymentVersion, functions) {
      transaction(db, () => {
        const now = Date.now();
        for (const fn of functions) {
          insert.run(
            app,
            fn.functionName,
            fn.version,
            fn.hash,
            JSON.stringify(fn.config),
            now,
            deploymentVersion,
          );
        }
      });
    },
    async latestVersions(app) {
      return (selectLatest.all(app, app) as unknown as VersionRow[]).map(toVersion);
    },
    async listVersions(app, functionName, limit) {
      return (selectMany.all(app, functionName, limit) as unknown as VersionRow[]).map(toVersion);
    },
    async getVersion(app, functionName, version) {
      const row = selectOne.get(app, functionName, version) as VersionRow | undefined;
      return row && toVersion(row);
    },
    async setAlias(update) {
      return transaction(db, () => {
        const old = selectAlias.get(update.app, update.functionName, update.name) as AliasRow | undefined;
        const previous =
          old === undefined ? null : old.version === update.version ? old.previous_version : old.version;
        upsertAlias.run(
          update.app,
          update.functionName,
          update.name,
          update.version,
          update.canary?.version ?? null,
          update.canary?.weight ?? null,
          previous,
          Date.now(),
        );
        return toAlias(selectAlias.get(update.app, update.functionName, update.name) as unknown as AliasRow);
      });
    },
    async getAlias(app, functionName, name) {
      const row = selectAlias.get(app, functionName, name) as AliasRow | undefined;
      return row && toAlias(row);
    },
    async listAliases(app) {
      return (selectAliases.all(app) as unknown as AliasRow[]).map(toAlias);
    },
  };
}
