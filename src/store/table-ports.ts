// The persistence port of tables (src/services/tables/). Items are JSON documents stored with
// their key columns beside them, so reads by key, queries of one partition and index queries
// are answered from an index. Key values arrive encoded by the service (table-keys.ts): text
// that sorts as the key type does for strings, plus a number column for numeric sort keys.
// The table's settings (key names, indexes, TTL attribute) come from the manifest; the store
// keeps items only.
import type { TableItem } from "../core/tables/index.ts";
import type { TableChangeStore } from "./table-change-ports.ts";

export interface StoredKey {
  readonly partition: string;
  /** "" when the table has no sort key. */
  readonly sort: string;
}

/** Where an item appears in one secondary index (items without the index's keys appear in none). */
export interface StoredIndexKey {
  readonly index: string;
  readonly partition: string;
  readonly sort: string;
  /** The sort key as a number when the index's sort key is numeric, else null. */
  readonly sortNumber: number | null;
}

export interface StoredItemWrite {
  readonly item: TableItem;
  /** `item` as JSON when the caller already made it (the store stringifies it otherwise). */
  readonly json?: string;
  /** The sort key as a number when the table's sort key is numeric, else null. */
  readonly sortNumber: number | null;
  readonly indexKeys: readonly StoredIndexKey[];
  /** The TTL attribute's value (epoch seconds), or null: the expiry sweep deletes the item after it. */
  readonly expiresAtSeconds: number | null;
}

/**
 * One write of a batch or transaction. `decide` is called inside the store's transaction with
 * the item as stored (undefined when absent) and returns the item to store, null to delete it,
 * or throws to cancel every mutation of the call: the conditions and the writes are atomic.
 */
export interface ItemMutation {
  readonly table: string;
  readonly key: StoredKey;
  /**
   * Also write a change record (table-change-ports.ts) in the same transaction when the item
   * changes: the table has change-event triggers.
   */
  readonly recordChange?: boolean;
  decide(current: TableItem | undefined): StoredItemWrite | null;
}

export interface MutationResult {
  readonly oldItem: TableItem | undefined;
  readonly newItem: TableItem | undefined;
}

export type StoredSortCondition =
  | { readonly op: "=" | "<" | "<=" | ">" | ">="; readonly value: string | number }
  | { readonly op: "between"; readonly low: string | number; readonly high: string | number }
  | { readonly op: "beginsWith"; readonly prefix: string };

/** Where a page ended: the sort key, and for index queries the item's own key (index keys repeat). */
export interface QueryCursor {
  readonly sort: string;
  readonly item: StoredKey | undefined;
}

export interface StoredQuery {
  readonly table: string;
  /** A secondary index of the table, or undefined for the table itself. */
  readonly index: string | undefined;
  readonly partition: string;
  readonly sort: StoredSortCondition | undefined;
  /** Order and compare by the numeric sort column (the key is declared `number`). */
  readonly numericSort: boolean;
  readonly descending: boolean;
  readonly limit: number;
  readonly after: QueryCursor | undefined;
}

export interface StoredRow {
  readonly key: StoredKey;
  readonly item: TableItem;
  /** The index's sort key, for index queries (the cursor of the next page). */
  readonly indexSort: string | undefined;
}

export interface TableStore extends TableChangeStore {
  getItems(app: string, table: string, keys: readonly StoredKey[]): Promise<StoredRow[]>;
  /** All mutations (up to 100, on distinct keys), atomically, in one transaction. */
  mutate(app: string, mutations: readonly ItemMutation[]): Promise<MutationResult[]>;
  query(app: string, query: StoredQuery): Promise<StoredRow[]>;
  /** Every item of a table in key order, `limit` at a time, after `after` (exclusive). */
  scan(app: string, table: string, limit: number, after: StoredKey | undefined): Promise<StoredRow[]>;
  /**
   * Deletes up to `limit` items whose TTL passed; returns them. With `recordChanges`, each delete
   * writes a REMOVE change record (marked expired) in the same transaction.
   */
  deleteExpired(
    app: string,
    table: string,
    nowSeconds: number,
    limit: number,
    recordChanges?: boolean,
  ): Promise<StoredRow[]>;
  /** Tables of an app that hold items (a table removed from the manifest keeps its items). */
  tablesWithItems(app: string): Promise<string[]>;
}
