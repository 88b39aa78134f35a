import type pg from "pg";
import type { TableItem } from "../../core/tables/index.ts";
import type { MutationResult, StoredKey, TableStore } from "../table-ports.ts";
import { type ItemRow, querySql, TABLE_SQL, toStoredRow } from "../table-rows.ts";
import { transaction } from "./database.ts";
import { createPostgresTableChanges } from "./table-change-store.ts";

const GET_ONE = `SELECT ${TABLE_SQL.columns} FROM table_items
  WHERE app = $1 AND table_name = $2 AND partition_key = $3 AND sort_key = $4`;
const UPSERT = `INSERT INTO table_items (app, table_name, partition_key, sort_key, sort_number, item, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (app, table_name, partition_key, sort_key) DO UPDATE SET
    sort_number = excluded.sort_number, item = excluded.item, expires_at = excluded.expires_at`;
const DELETE_ITEM =
  "DELETE FROM table_items WHERE app = $1 AND table_name = $2 AND partition_key = $3 AND sort_key = $4";
const DELETE_INDEX_ENTRIES =
  "DELETE FROM table_index_entries WHERE app = $1 AND table_name = $2 AND item_partition = $3 AND item_sort = $4";
const INSERT_INDEX_ENTRY = `INSERT INTO table_index_entries
  (app, table_name, index_name, partition_key, sort_key, sort_number, item_partition, item_sort)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

function lockName(app: string, table: string, key: StoredKey): string {
  return JSON.stringify([app, table, key.partition, key.sort]);
}

/**
 * A mutation reads, decides and writes; two transactions writing the same key (even one that
 * does not exist yet, which FOR UPDATE cannot lock) are serialized by a transaction-scoped
 * advisory lock per key, taken in one global order so transactions over several keys cannot
 * deadlock.
 */
export function createPostgresTableStore(pool: pg.Pool): TableStore {
  const { lockStream, record, ...changeStore } = createPostgresTableChanges(pool);
  async function deleteItem(
    client: pg.PoolClient,
    app: string,
    table: string,
    key: StoredKey,
  ): Promise<void> {
    await client.query(DELETE_ITEM, [app, table, key.partition, key.sort]);
    await client.query(DELETE_INDEX_ENTRIES, [app, table, key.partition, key.sort]);
  }

  return {
    ...changeStore,
    async getItems(app, table, keys) {
      if (keys.length === 0) return [];
      const { rows } = await pool.query<ItemRow>(
        `SELECT ${TABLE_SQL.columns} FROM table_items WHERE app = $1 AND table_name = $2
         AND (partition_key, sort_key) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
        [app, table, keys.map((key) => key.partition), keys.map((key) => key.sort)],
      );
      return rows.map(toStoredRow);
    },

    async mutate(app, mutations) {
      return transaction(pool, async (client) => {
        const names = [
          ...new Set(mutations.map((mutation) => lockName(app, mutation.table, mutation.key))),
        ].sort();
        for (const name of names)
          await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [name]);
        // Stream locks after every key lock, in one order: no deadlock with other writers.
        const streams = [
          ...new Set(mutations.filter((mutation) => mutation.recordChange).map((mutation) => mutation.table)),
        ].sort();
        for (const table of streams) await lockStream(client, app, table);
        const results: MutationResult[] = [];
        for (const mutation of mutations) {
          const { partition, sort } = mutation.key;
          const { rows } = await client.query<ItemRow>(GET_ONE, [app, mutation.table, partition, sort]);
          const oldItem = rows[0] ? (JSON.parse(rows[0].item) as TableItem) : undefined;
          const write = mutation.decide(oldItem);
          if (mutation.recordChange)
            await record(client, app, mutation.table, mutation.key, oldItem, write?.item);
          if (write === null) {
            if (oldItem) await deleteItem(client, app, mutation.table, mutation.key);
            results.push({ oldItem, newItem: undefined });
            continue;
          }
          await client.query(UPSERT, [
            app,
            mutation.table,
            partition,
            sort,
            write.sortNumber,
            write.json ?? JSON.stringify(write.item),
            write.expiresAtSeconds,
          ]);
          await client.query(DELETE_INDEX_ENTRIES, [app, mutation.table, partition, sort]);
          for (const entry of write.indexKeys)
            await client.query(INSERT_INDEX_ENTRY, [
              app,
              mutation.table,
              entry.index,
              entry.partition,
              entry.sort,
              entry.sortNumber,
              partition,
              sort,
            ]);
          results.push({ oldItem, newItem: write.item });
        }
        return results;
      });
    },

    async query(app, query) {
      const params: (string | number)[] = [];
      // Typed placeholders: PostgreSQL cannot infer a type for length($n) or a bare comparison.
      const sql = querySql(app, query, (value) => {
        params.push(value);
        return `$${params.length}::${typeof value === "number" ? "float8" : "text"}`;
      });
      const { rows } = await pool.query<ItemRow>(sql, params);
      return rows.map(toStoredRow);
    },

    async scan(app, table, limit, after) {
      const { rows } = await pool.query<ItemRow>(
        `SELECT ${TABLE_SQL.columns} FROM table_items WHERE app = $1 AND table_name = $2
           AND (partition_key, sort_key) > ($3, $4) ORDER BY partition_key, sort_key LIMIT $5`,
        [app, table, after?.partition ?? "", after?.sort ?? "", limit],
      );
      return rows.map(toStoredRow);
    },

    async deleteExpired(app, table, nowSeconds, limit, recordChanges = false) {
      return transaction(pool, async (client) => {
        // Before any row lock: a writer holding the stream lock may be waiting for one of them.
        if (recordChanges) await lockStream(client, app, table);
        const { rows } = await client.query<ItemRow>(
          `SELECT ${TABLE_SQL.columns} FROM table_items
           WHERE app = $1 AND table_name = $2 AND expires_at IS NOT NULL AND expires_at <= $3
           LIMIT $4 FOR UPDATE SKIP LOCKED`,
          [app, table, nowSeconds, limit],
        );
        const expired = rows.map(toStoredRow);
        for (const row of expired) {
          await deleteItem(client, app, table, row.key);
          if (recordChanges) await record(client, app, table, row.key, row.item, undefined, true);
        }
        return expired;
      });
    },

    async tablesWithItems(app) {
      const { rows } = await pool.query<{ table_name: string }>(
        "SELECT DISTINCT table_name FROM table_items WHERE app = $1 ORDER BY table_name",
        [app],
      );
      return rows.map((row) => row.table_name);
    },
  };
}
