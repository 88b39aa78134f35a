import type pg from "pg";
import type { TableItem } from "../../core/tables/index.ts";
import { changeNameOf, type TableChangeStore } from "../table-change-ports.ts";
import { CHANGE_COLUMNS, type ChangeRow, imageText, toChangeRecord } from "../table-change-rows.ts";
import type { StoredKey } from "../table-ports.ts";

export interface PostgresTableChanges extends TableChangeStore {
  /**
   * Takes the table's stream lock (transaction-scoped): writers that record changes of one
   * table then commit one at a time, so `seq` order is commit order and a reader that has seen
   * seq n can never later find a smaller one committed. Take it after the key locks.
   */
  lockStream(client: pg.PoolClient, app: string, table: string): Promise<void>;
  /** Writes the change record of one write, inside the write's transaction (stream lock held). */
  record(
    client: pg.PoolClient,
    app: string,
    table: string,
    key: StoredKey,
    oldItem: TableItem | undefined,
    newItem: TableItem | undefined,
    expired?: boolean,
  ): Promise<void>;
}

export function createPostgresTableChanges(pool: pg.Pool): PostgresTableChanges {
  return {
    async lockStream(client, app, table) {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
        `nimbus.table-stream:${JSON.stringify([app, table])}`,
      ]);
    },
    async record(client, app, table, key, oldItem, newItem, expired = false) {
      const name = changeNameOf(oldItem, newItem);
      if (name === undefined) return;
      await client.query(
        `INSERT INTO table_changes
           (app, table_name, partition_key, sort_key, event_name, old_item, new_item, expired, at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          app,
          table,
          key.partition,
          key.sort,
          name,
          imageText(oldItem),
          imageText(newItem),
          expired,
          Date.now(),
        ],
      );
    },
    async readChanges(app, table, afterSeq, limit) {
      const { rows } = await pool.query<ChangeRow>(
        `SELECT ${CHANGE_COLUMNS} FROM table_changes
         WHERE app = $1 AND table_name = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
        [app, table, afterSeq, limit],
      );
      return rows.map(toChangeRecord);
    },
    async changeCheckpoint(app, table, consumer) {
      const { rows } = await pool.query<{ seq: string }>(
        "SELECT seq FROM table_change_checkpoints WHERE app = $1 AND table_name = $2 AND consumer = $3",
        [app, table, consumer],
      );
      return rows[0] ? Number(rows[0].seq) : 0;
    },
    async advanceChangeCheckpoint(app, table, consumer, seq) {
      await pool.query(
        `INSERT INTO table_change_checkpoints (app, table_name, consumer, seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (app, table_name, consumer)
         DO UPDATE SET seq = GREATEST(table_change_checkpoints.seq, excluded.seq)`,
        [app, table, consumer, seq],
      );
    },
    async pruneChanges(app, table, throughSeq, beforeMs) {
      const consumed = await pool.query(
        "DELETE FROM table_changes WHERE app = $1 AND table_name = $2 AND seq <= $3",
        [app, table, throughSeq],
      );
      const old = await pool.query("DELETE FROM table_changes WHERE at_ms < $1", [beforeMs]);
      return (consumed.rowCount ?? 0) + (old.rowCount ?? 0);
    },
    async dropChangeCheckpoints(app, table, keep) {
      await pool.query(
        `DELETE FROM table_change_checkpoints
         WHERE app = $1 AND table_name = $2 AND NOT (consumer = ANY($3::text[]))`,
        [app, table, [...keep]],
      );
    },
  };
}
