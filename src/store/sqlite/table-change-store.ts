import type { DatabaseSync } from "node:sqlite";
import type { TableItem } from "../../core/tables/index.ts";
import { changeNameOf, type TableChangeStore } from "../table-change-ports.ts";
import { CHANGE_COLUMNS, type ChangeRow, imageText, toChangeRecord } from "../table-change-rows.ts";
import type { StoredKey } from "../table-ports.ts";

export interface SqliteTableChanges extends TableChangeStore {
  /** Writes the change record of one write; call inside the write's transaction. */
  record(
    app: string,
    table: string,
    key: StoredKey,
    oldItem: TableItem | undefined,
    newItem: TableItem | undefined,
    expired?: boolean,
  ): void;
}

/** AUTOINCREMENT: a seq is never reused, even after the newest records were pruned. */
export function createSqliteTableChanges(db: DatabaseSync): SqliteTableChanges {
  const insert = db.prepare(
    `INSERT INTO table_changes
       (app, table_name, partition_key, sort_key, event_name, old_item, new_item, expired, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const read = db.prepare(
    `SELECT ${CHANGE_COLUMNS} FROM table_changes
     WHERE app = ? AND table_name = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const checkpoint = db.prepare(
    "SELECT seq FROM table_change_checkpoints WHERE app = ? AND table_name = ? AND consumer = ?",
  );
  const advance = db.prepare(
    `INSERT INTO table_change_checkpoints (app, table_name, consumer, seq) VALUES (?, ?, ?, ?)
     ON CONFLICT (app, table_name, consumer) DO UPDATE SET seq = max(seq, excluded.seq)`,
  );
  const pruneConsumed = db.prepare("DELETE FROM table_changes WHERE app = ? AND table_name = ? AND seq <= ?");
  const pruneOld = db.prepare("DELETE FROM table_changes WHERE at_ms < ?");
  const consumers = db.prepare(
    "SELECT consumer FROM table_change_checkpoints WHERE app = ? AND table_name = ?",
  );
  const dropConsumer = db.prepare(
    "DELETE FROM table_change_checkpoints WHERE app = ? AND table_name = ? AND consumer = ?",
  );

  return {
    record(app, table, key, oldItem, newItem, expired = false) {
      const name = changeNameOf(oldItem, newItem);
      if (name === undefined) return;
      insert.run(
        app,
        table,
        key.partition,
        key.sort,
        name,
        imageText(oldItem),
        imageText(newItem),
        expired ? 1 : 0,
        Date.now(),
      );
    },
    async readChanges(app, table, afterSeq, limit) {
      return (read.all(app, table, afterSeq, limit) as unknown as ChangeRow[]).map(toChangeRecord);
    },
    async changeCheckpoint(app, table, consumer) {
      const row = checkpoint.get(app, table, consumer) as { seq: number } | undefined;
      return row?.seq ?? 0;
    },
    async advanceChangeCheckpoint(app, table, consumer, seq) {
      advance.run(app, table, consumer, seq);
    },
    async pruneChanges(app, table, throughSeq, beforeMs) {
      const consumed = Number(pruneConsumed.run(app, table, throughSeq).changes);
      return consumed + Number(pruneOld.run(beforeMs).changes);
    },
    async dropChangeCheckpoints(app, table, keep) {
      for (const { consumer } of consumers.all(app, table) as { consumer: string }[])
        if (!keep.includes(consumer)) dropConsumer.run(app, table, consumer);
    },
  };
}
