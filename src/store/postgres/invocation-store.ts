import type pg from "pg";
import type { ErrorCode } from "../../core/errors.ts";
import type { InvocationRecord, InvocationStore } from "../ports.ts";
import { type Column, unnestInsert } from "./unnest-insert.ts";

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
  cold: boolean;
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
    cold: row.cold,
    status: row.status,
    errorCode: (row.error_code ?? undefined) as ErrorCode | undefined,
    errorMessage: row.error_message ?? undefined,
    httpStatus: row.http_status ?? undefined,
  };
}

const COLUMNS: readonly Column<InvocationRecord>[] = [
  { name: "request_id", type: "text", value: (r) => r.requestId },
  { name: "app", type: "text", value: (r) => r.app },
  { name: "function_name", type: "text", value: (r) => r.functionName },
  { name: "version", type: "text", value: (r) => r.version },
  { name: "started_at", type: "bigint", value: (r) => r.startedAt },
  { name: "duration_ms", type: "float8", value: (r) => r.durationMs },
  { name: "billed_duration_ms", type: "bigint", value: (r) => r.billedDurationMs },
  { name: "init_duration_ms", type: "float8", value: (r) => r.initDurationMs ?? null },
  { name: "peak_memory_mb", type: "float8", value: (r) => r.peakMemoryMb ?? null },
  { name: "cold", type: "boolean", value: (r) => r.cold },
  { name: "status", type: "text", value: (r) => r.status },
  { name: "error_code", type: "text", value: (r) => r.errorCode ?? null },
  { name: "error_message", type: "text", value: (r) => r.errorMessage ?? null },
  { name: "http_status", type: "integer", value: (r) => r.httpStatus ?? null },
];

// A later record for the same request replaces the earlier one (as SQLite's INSERT OR REPLACE).
const UPDATE_ALL = COLUMNS.filter((column) => column.name !== "request_id")
  .map((column) => `${column.name} = excluded.${column.name}`)
  .join(", ");

export function createPostgresInvocationStore(pool: pg.Pool): InvocationStore {
  return {
    async recordInvocations(records) {
      if (records.length === 0) return;
      // ON CONFLICT may touch a row only once per statement: keep the last record per request.
      const latest = [...new Map(records.map((record) => [record.requestId, record])).values()];
      const insert = unnestInsert("invocations", COLUMNS, latest);
      await pool.query(`${insert.sql} ON CONFLICT (request_id) DO UPDATE SET ${UPDATE_ALL}`, insert.params);
    },
    async listInvocations(query) {
      const { rows } = query.functionName
        ? await pool.query<InvocationRow>(
            "SELECT * FROM invocations WHERE app = $1 AND function_name = $2 ORDER BY started_at DESC LIMIT $3",
            [query.app, query.functionName, query.limit],
          )
        : await pool.query<InvocationRow>(
            "SELECT * FROM invocations WHERE app = $1 ORDER BY started_at DESC LIMIT $2",
            [query.app, query.limit],
          );
      return rows.map(toRecord);
    },
    async getInvocation(requestId) {
      const { rows } = await pool.query<InvocationRow>("SELECT * FROM invocations WHERE request_id = $1", [
        requestId,
      ]);
      return rows[0] && toRecord(rows[0]);
    },
  };
}
