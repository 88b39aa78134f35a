import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { LogStore, StoredLogLine } from "../ports.ts";
import { transaction } from "./database.ts";

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

export function createSqliteLogStore(db: DatabaseSync): LogStore {
  const insert = db.prepare(
    `INSERT INTO logs (timestamp, app, function_name, version, request_id, stream, level, message)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const count = db.prepare("SELECT COUNT(*) AS n, MAX(id) AS maxId FROM logs");
  const prune = db.prepare("DELETE FROM logs WHERE id <= ?");
  return {
    async appendLogs(lines) {
      transaction(db, () => {
        for (const l of lines) {
          insert.run(
            l.timestamp,
            l.app,
            l.functionName,
            l.version,
            l.requestId ?? null,
            l.stream,
            l.level,
            l.message,
          );
        }
      });
    },
    async queryLogs(query) {
      const where = ["app = ?"];
      const params: SQLInputValue[] = [query.app];
      if (query.functionName) {
        where.push("function_name = ?");
        params.push(query.functionName);
      }
      if (query.requestId) {
        where.push("request_id = ?");
        params.push(query.requestId);
      }
      if (query.afterId !== undefined) {
        where.push("id > ?");
        params.push(query.afterId);
      }
      // Following reads forward from the cursor; otherwise the newest lines are wanted.
      const order = query.afterId !== undefined ? "ASC" : "DESC";
      const sql = `SELECT * FROM logs WHERE ${where.join(" AND ")} ORDER BY id ${order} LIMIT ?`;
      const rows = db.prepare(sql).all(...params, query.limit) as unknown as LogRow[];
      if (order === "DESC") rows.reverse();
      return rows.map(toLine);
    },
    async pruneLogs(keepLines) {
      const { n, maxId } = count.get() as { n: number; maxId: number | null };
      if (n <= keepLines || maxId === null) return 0;
      return Number(prune.run(maxId - keepLines).changes);
    },
  };
}
