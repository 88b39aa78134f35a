import type { DatabaseSync } from "node:sqlite";
import type { ErrorCode } from "../../core/errors.ts";
import type { InvocationRecord, InvocationStore } from "../ports.ts";
import { transaction } from "./database.ts";

interface InvocationRow {
  request_id: string;
  app: string;
  function_name: string;
  version: string;
  started_at: number;
  duration_ms: number;
  billed_duration_ms: number;
  init_duration_ms: number | null;
  peak_memory_mb: number | null;
  cold: number;
  status: "success" | "error";
  error_code: string | null;
  error_message: string | null;
  http_status: number | null;
}

function toRecord(row: InvocationRow): InvocationRecord {
  return {
    requestId: row.request_id,
    app: row.app,
    functionName: row.function_name,
    version: row.version,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    billedDurationMs: row.billed_duration_ms,
    initDurationMs: row.init_duration_ms ?? undefined,
    peakMemoryMb: row.peak_memory_mb ?? undefined,
    cold: row.cold === 1,
    status: row.status,
    errorCode: (row.error_code ?? undefined) as ErrorCode | undefined,
    errorMessage: row.error_message ?? undefined,
    httpStatus: row.http_status ?? undefined,
  };
}

export function createSqliteInvocationStore(db: DatabaseSync): InvocationStore {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO invocations (request_id, app, function_name, version, started_at, duration_ms,
       billed_duration_ms, init_duration_ms, peak_memory_mb, cold, status, error_code, error_message, http_status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byApp = db.prepare("SELECT * FROM invocations WHERE app = ? ORDER BY started_at DESC LIMIT ?");
  const byFunction = db.prepare(
    "SELECT * FROM invocations WHERE app = ? AND function_name = ? ORDER BY started_at DESC LIMIT ?",
  );
  const byId = db.prepare("SELECT * FROM invocations WHERE request_id = ?");
  return {
    async recordInvocations(records) {
      transaction(db, () => {
        for (const r of records) {
          insert.run(
            r.requestId,
            r.app,
            r.functionName,
            r.version,
            r.startedAt,
            r.durationMs,
            r.billedDurationMs,
            r.initDurationMs ?? null,
            r.peakMemoryMb ?? null,
            r.cold ? 1 : 0,
            r.status,
            r.errorCode ?? null,
            r.errorMessage ?? null,
            r.httpStatus ?? null,
          );
        }
      });
    },
    async listInvocations(query) {
      const rows = query.functionName
        ? byFunction.all(query.app, query.functionName, query.limit)
        : byApp.all(query.app, query.limit);
      return (rows as unknown as InvocationRow[]).map(toRecord);
    },
    async getInvocation(requestId) {
      const row = byId.get(requestId) as InvocationRow | undefined;
      return row && toRecord(row);
    },
  };
}
