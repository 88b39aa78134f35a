import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { TableItem } from "../../core/tables/index.ts";
import type { MutationResult, StoredKey, TableStore } from "../table-ports.ts";
import { type ItemRow, querySql, TABLE_SQL, toStoredRow } from "../table-rows.ts";
import { transaction } from "./database.ts";
import { createSqliteTableChanges } from "./table-change-store.ts";

/** SQLite has one writer (BEGIN IMMEDIATE), so a mutation's read-decide-write cannot interleave. */
export function createSqliteTableStore(db: DatabaseSync): TableStore {
  const getOne = db.prepare(
    `SELECT ${TABLE_SQL.columns} FROM table_items
     WHERE app = ? AND table_name = ? AND partition_key = ? AND sort_key = ?`,
  );
  const upsert = db.prepare(
    `INSERT INTO table_items (app, table_name, partition_key, sort_key, sort_number, item, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (app, table_name, partition_key, sort_key) DO UPDATE SET
       sort_number = excluded.sort_number, item = excluded.item, expires_at = excluded.expires_at`,
  );
  const remove = db.prepare(
    "DELETE FROM table_items WHERE app = ? AND table_name = ? AND partition_key = ? AND sort_key = ?",
  );
  const removeIndexEntries = db.prepare(
    "DELETE FROM table_index_entries WHERE app = ? AND table_name = ? AND item_partition = ? AND item_sort = ?",
  );
  const insertIndexEntry = db.prepare(
    `INSERT INTO table_index_entries
       (app, table_name, index_name, partition_key, sort_key, sort_number, item_partition, item_sort)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const scan = db.prepare(
    `SELECT ${TABLE_SQL.columns} FROM table_items WHERE app = ? AND table_name = ?
       AND (partition_key, sort_key) > (?, ?) ORDER BY partition_key, sort_key LIMIT ?`,
  );
  const expired = db.prepare(
    `SELECT ${TABLE_SQL.columns} FROM table_items
     WHERE app = ? AND table_name = ? AND expires_at IS NOT NULL AND expires_at <= ? LIMIT ?`,
  );
  const tables = db.prepare("SELECT DISTINCT table_name FROM table_items WHERE app = ? ORDER BY table_name");
  const queries = new Map<string, StatementSync>();
  const changes = createSqliteTableChanges(db);

  const read = (app: string, table: string, key: StoredKey) =>
    getOne.get(app, table, key.partition, key.sort) as ItemRow | undefined;
  const deleteItem = (app: string, table: string, key: StoredKey) => {
    remove.run(app, table, key.partition, key.sort);
    removeIndexEntries.run(app, table, key.partition, key.sort);
  };

  const { record, ...changeStore } = changes;
  return {
    ...changeStore,
    async getItems(app, table, keys) {
      return keys.flatMap((key) => {
        const row = read(app, table, key);
        return row ? [toStoredRow(row)] : [];
      });
    },

    async mutate(app, mutations) {
      return transaction(db, () =>
        mutations.map((mutation): MutationResult => {
          const row = read(app, mutation.table, mutation.key);
          const oldItem = row ? (JSON.parse(row.item) as TableItem) : undefined;
          const write = mutation.decide(oldItem);
          const { partition, sort } = mutation.key;
          if (mutation.recordChange) record(app, mutation.table, mutation.key, oldItem, write?.item);
          if (write === null) {
            if (row) deleteItem(app, mutation.table, mutation.key);
            return { oldItem, newItem: undefined };
          }
          upsert.run(
            app,
            mutation.table,
            partition,
            sort,
            write.sortNumber,
            write.json ?? JSON.stringify(write.item),
            write.expiresAtSeconds,
          );
          removeIndexEntries.run(app, mutation.table, partition, sort);
          for (const entry of write.indexKeys)
            insertIndexEntry.run(
              app,
              mutation.table,
              entry.index,
              entry.partition,
              entry.sort,
              entry.sortNumber,
              partition,
              sort,
            );
          return { oldItem, newItem: write.item };
        }),
      );
    },

    async query(app, query) {
      const params: SQLInputValue[] = [];
      const sql = querySql(app, query, (value) => {
        params.push(value);
        return "?";
      });
      let statement = queries.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        queries.set(sql, statement);
      }
      return (statement.all(...params) as unknown as ItemRow[]).map(toStoredRow);
    },

    async scan(app, table, limit, after) {
      // (partition, sort) > ("", "") holds for every key: a partition key is never empty.
      const rows = scan.all(
        app,
        table,
        after?.partition ?? "",
        after?.sort ?? "",
        limit,
      ) as unknown as ItemRow[];
      return rows.map(toStoredRow);
    },

    async deleteExpired(app, table, nowSeconds, limit, recordChanges = false) {
      return transaction(db, () => {
        const rows = (expired.all(app, table, nowSeconds, limit) as unknown as ItemRow[]).map(toStoredRow);
        for (const row of rows) {
          deleteItem(app, table, row.key);
          if (recordChanges) record(app, table, row.key, row.item, undefined, true);
        }
        return rows;
      });
    },

    async tablesWithItems(app) {
      return (tables.all(app) as { table_name: string }[]).map((row) => row.table_name);
    },
  };
}
