import type pg from "pg";
import type { LogStore, NewLogLine, StoredLogLine } from "../ports.ts";
import { ADVISORY_LOCK, transaction } from "./database.ts";
import { type Column, unnestInsert } from "./unnest-insert.ts";

interface LogRow {
  id: number;
  timestamp: number;
  app: string;
  function_name: string;
  version: string;
  request_id: string | null;
  stream: "stdout" | "stderr";
  level: "info" | "warn" | "error" | "debug";
  message: string;
}

function toLine(row: LogRow): StoredLogLine {
  return {
    id: row.id,
    timestamp: row.timestamp,
    app: row.app,
    functionName: row.function_name,
    version: row.version,
    requestId: row.request_id ?? undefined,
    stream: row.stream,
    level: row.level,
    message: row.message,
  };
}

const COLUMNS: readonly Column<NewLogLine>[] = [
  { name: "timestamp", type: "bigint", value: (l) => l.timestamp },
  { name: "app", type: "text", value: (l) => l.app },
  { name: "function_name", type: "text", value: (l) => l.functionName },
  { name: "version", type: "text", value: (l) => l.version },
  { name: "request_id", type: "text", value: (l) => l.requestId ?? null },
  { name: "stream", type: "text", value: (l) => l.stream },
  { name: "level", type: "text", value: (l) => l.level },
  { name: "message", type: "text", value: (l) => l.message },
];

export function createPostgresLogStore(pool: pg.Pool): LogStore {
  return {
    async appendLogs(lines) {
      if (lines.length === 0) return;
      const insert = unnestInsert("logs", COLUMNS, lines);
      await transaction(pool, async (client) => {
        // The id is a follower's cursor (afterId), so ids must become visible in order. Ids
        // come from a sequence when a line is inserted, not when it commits: two nodes
        // appending at once could commit id 8 after a follower already read past id 9 and
        // never show it. One appender at a time (the lock lasts until commit) rules that out;
        // each node appends in batches every few ms, so the wait is short.
        await client.query("SELECT pg_advisory_xact_lock($1)", [ADVISORY_LOCK.logAppend]);
        await client.query(insert.sql, insert.params);
      });
    },
    async queryLogs(query) {
      const where = ["app = $1"];
      const params: unknown[] = [query.app];
      const add = (condition: string, value: unknown) => {
        params.push(value);
        where.push(`${condition} $${params.length}`);
      };
      if (query.functionName) add("function_name =", query.functionName);
      if (query.requestId) add("request_id =", query.requestId);
      if (query.afterId !== undefined) add("id >", query.afterId);
      // Following reads forward from the cursor; otherwise the newest lines are wanted.
      const order = query.afterId !== undefined ? "ASC" : "DESC";
      params.push(query.limit);
      const sql = `SELECT * FROM logs WHERE ${where.join(" AND ")} ORDER BY id ${order} LIMIT $${params.length}`;
      const { rows } = await pool.query<LogRow>(sql, params);
      if (order === "DESC") rows.reverse();
      return rows.map(toLine);
    },
    async pruneLogs(keepLines) {
      // The newest keepLines stay by position, not by arithmetic on ids (sequences leave gaps).
      const result = await pool.query(
        "DELETE FROM logs WHERE id <= (SELECT id FROM logs ORDER BY id DESC OFFSET $1 LIMIT 1)",
        [keepLines],
      );
      return result.rowCount ?? 0;
    },
  };
}
