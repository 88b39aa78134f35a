// Rows of the table change outbox, shared by the SQLite and PostgreSQL adapters.
import type { TableItem } from "../core/tables/index.ts";
import type { TableChangeName, TableChangeRecord } from "./table-change-ports.ts";

export interface ChangeRow {
  /** A number in SQLite; a string in PostgreSQL (BIGINT). */
  seq: number | string;
  table_name: string;
  partition_key: string;
  sort_key: string;
  event_name: string;
  old_item: string | null;
  new_item: string | null;
  expired: number | boolean;
  at_ms: number | string;
}

export const CHANGE_COLUMNS =
  "seq, table_name, partition_key, sort_key, event_name, old_item, new_item, expired, at_ms";

export function toChangeRecord(row: ChangeRow): TableChangeRecord {
  return {
    seq: Number(row.seq),
    table: row.table_name,
    key: { partition: row.partition_key, sort: row.sort_key },
    name: row.event_name as TableChangeName,
    oldItem: row.old_item === null ? undefined : (JSON.parse(row.old_item) as TableItem),
    newItem: row.new_item === null ? undefined : (JSON.parse(row.new_item) as TableItem),
    expired: Boolean(row.expired),
    atMs: Number(row.at_ms),
  };
}

/** The JSON of an image, or null when absent. */
export function imageText(item: TableItem | undefined): string | null {
  return item === undefined ? null : JSON.stringify(item);
}
