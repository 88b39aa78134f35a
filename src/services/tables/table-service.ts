// Tables: DynamoDB-style items on the store's TableStore port. Settings come from the app's
// manifest (`tables:`); every expression is parsed before the store is touched, and conditions
// are evaluated inside the store's transaction with the write they guard.
import { NimbusError } from "../../core/errors.ts";
import type { TableConfig, TableKeyConfig } from "../../core/manifest/tables.ts";
import {
  type Condition,
  type ExpressionInputs,
  evaluateCondition,
  type KeyValue,
  parseCondition,
  parseKeyCondition,
  parseProjection,
  project,
  type SortKeyCondition,
  type TableItem,
} from "../../core/tables/index.ts";
import type { ItemMutation, StoredRow, StoredSortCondition, TableStore } from "../../store/table-ports.ts";
import { decodeQueryCursor, decodeScanCursor, encodeCursor } from "./table-cursor.ts";
import { encodeKeyValue, storedKeyOf } from "./table-keys.ts";
import { TABLE_LIMITS } from "./table-limits.ts";
import { isExpired, planWrite, type TableWrite, type WriteRequest } from "./table-writes.ts";

export interface TableServiceOptions {
  readonly store: TableStore;
  /** The tables of the app's live deployment, or undefined when the app is not deployed. */
  readonly tablesOf: (app: string) => Readonly<Record<string, TableConfig>> | undefined;
  readonly nowMs?: () => number;
  /** Whether writes to the table record change events (some function is triggered by it). */
  readonly recordsChanges?: (app: string, table: string) => boolean;
  /** Called after a write that recorded changes committed (wakes the stream dispatcher). */
  readonly onChanges?: (app: string, tables: readonly string[]) => void;
}

export interface ReadOptions extends ExpressionInputs {
  readonly projection?: string;
}

export interface QueryOptions extends ReadOptions {
  readonly index?: string;
  readonly keyCondition: string;
  readonly filter?: string;
  readonly limit?: number;
  readonly descending?: boolean;
  readonly cursor?: string;
}

export interface ScanOptions extends ReadOptions {
  readonly filter?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Page {
  readonly items: TableItem[];
  /** Present when the store page was full: pass it back for the next page. */
  readonly cursor: string | undefined;
}

export interface TransactionEntry extends WriteRequest {
  readonly table: string;
}

export class TableService {
  readonly #options: TableServiceOptions;

  constructor(options: TableServiceOptions) {
    this.#options = options;
  }

  #nowSeconds = (): number => Math.floor((this.#options.nowMs ?? Date.now)() / 1000);

  list(app: string): TableConfig[] {
    return Object.values(this.#tables(app));
  }

  #tables(app: string): Readonly<Record<string, TableConfig>> {
    const tables = this.#options.tablesOf(app);
    if (!tables) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    return tables;
  }

  config(app: string, table: string): TableConfig {
    const tables = this.#tables(app);
    const config = tables[table];
    if (!config) {
      const known = Object.keys(tables);
      throw new NimbusError(
        "TABLE_NOT_FOUND",
        `App "${app}" has no table "${table}"${known.length ? ` (tables: ${known.join(", ")})` : ""}`,
      );
    }
    return config;
  }

  /** The partition key value of a key or item, for IAM conditions (undefined when absent). */
  partitionKeyOf(app: string, table: string, item: unknown): string | undefined {
    const config = this.#options.tablesOf(app)?.[table];
    if (!config || typeof item !== "object" || item === null) return undefined;
    const value = (item as Record<string, unknown>)[config.partitionKey.name];
    return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
  }

  /** The partition key value a query's key condition names, for IAM conditions (undefined if unreadable). */
  queryPartitionOf(app: string, table: string, body: unknown): string | undefined {
    const config = this.#options.tablesOf(app)?.[table];
    if (!config || typeof body !== "object" || body === null) return undefined;
    const { keyCondition, index, names, values } = body as Record<string, unknown>;
    const keys = typeof index === "string" ? config.indexes[index] : config;
    if (!keys || typeof keyCondition !== "string") return undefined;
    try {
      const inputs = {
        names: names as ExpressionInputs["names"],
        values: values as ExpressionInputs["values"],
      };
      const parsed = parseKeyCondition(keyCondition, inputs, {
        partitionKey: keys.partitionKey.name,
        sortKey: keys.sortKey?.name,
      });
      return String(parsed.partition);
    } catch {
      // The handler parses it again and answers the error; here it only means "no context value".
      return undefined;
    }
  }

  #visible(config: TableConfig, rows: readonly StoredRow[]): StoredRow[] {
    const now = this.#nowSeconds();
    return rows.filter((row) => !isExpired(config, row.item, now));
  }

  async get(
    app: string,
    table: string,
    key: TableItem,
    options: ReadOptions = {},
  ): Promise<TableItem | undefined> {
    const [item] = await this.batchGet(app, table, [key], options);
    return item;
  }

  async batchGet(
    app: string,
    table: string,
    keys: readonly TableItem[],
    options: ReadOptions = {},
  ): Promise<TableItem[]> {
    const config = this.config(app, table);
    if (keys.length > TABLE_LIMITS.maxBatchGetKeys)
      throw new NimbusError("BAD_REQUEST", `A batch get reads at most ${TABLE_LIMITS.maxBatchGetKeys} keys`);
    const stored = keys.map((key) => storedKeyOf(config, key, true));
    const projection =
      options.projection === undefined ? undefined : parseProjection(options.projection, options);
    const rows = this.#visible(config, await this.#options.store.getItems(app, table, stored));
    return rows.map((row) => (projection ? project(row.item, projection) : row.item));
  }

  async write(
    app: string,
    table: string,
    request: WriteRequest,
  ): Promise<{ oldItem: TableItem | undefined; newItem: TableItem | undefined }> {
    const config = this.config(app, table);
    const [result] = await this.#mutate(app, [
      this.#streamed(app, request.write, planWrite(config, request, this.#nowSeconds)),
    ]);
    return result ?? { oldItem: undefined, newItem: undefined };
  }

  /** Puts and deletes without conditions, all or nothing (DynamoDB's BatchWriteItem may apply part). */
  async batchWrite(app: string, table: string, writes: readonly TableWrite[]): Promise<void> {
    const config = this.config(app, table);
    if (writes.length > TABLE_LIMITS.maxBatchWriteEntries)
      throw new NimbusError(
        "BAD_REQUEST",
        `A batch write has at most ${TABLE_LIMITS.maxBatchWriteEntries} entries`,
      );
    const mutations = writes.map((write) =>
      this.#streamed(app, write, planWrite(config, { write, inputs: {} }, this.#nowSeconds)),
    );
    assertDistinctKeys(
      mutations.map(
        (mutation) => `${mutation.table}\u0000${mutation.key.partition}\u0000${mutation.key.sort}`,
      ),
      "BAD_REQUEST",
    );
    await this.#mutate(app, mutations);
  }

  /** Several writes across items and tables: every condition holds and all are written, or none. */
  async transact(app: string, entries: readonly TransactionEntry[]): Promise<void> {
    if (entries.length === 0 || entries.length > TABLE_LIMITS.maxTransactionEntries)
      throw new NimbusError(
        "BAD_REQUEST",
        `A transaction has 1 to ${TABLE_LIMITS.maxTransactionEntries} entries`,
      );
    const mutations = entries.map((entry, index) => {
      const mutation = this.#streamed(
        app,
        entry.write,
        planWrite(this.config(app, entry.table), entry, this.#nowSeconds),
      );
      return {
        ...mutation,
        decide: (current: TableItem | undefined) => {
          try {
            return mutation.decide(current);
          } catch (error) {
            if (!(error instanceof NimbusError) || error.code !== "TABLE_CONDITION_FAILED") throw error;
            throw new NimbusError(
              "TABLE_TRANSACTION_CANCELED",
              `Transaction canceled: entry ${index} (${entry.table}): ${error.message}`,
              {
                details: { index, table: entry.table, reason: error.code },
              },
            );
          }
        },
      };
    });
    assertDistinctKeys(
      mutations.map(
        (mutation) => `${mutation.table}\u0000${mutation.key.partition}\u0000${mutation.key.sort}`,
      ),
      "TABLE_TRANSACTION_CANCELED",
    );
    await this.#mutate(app, mutations);
  }

  /** Marks a mutation to record its change when the table has triggers (a check changes nothing). */
  #streamed(app: string, write: TableWrite, mutation: ItemMutation): ItemMutation {
    const record = write.kind !== "check" && (this.#options.recordsChanges?.(app, mutation.table) ?? false);
    return record ? { ...mutation, recordChange: true } : mutation;
  }

  async #mutate(app: string, mutations: readonly ItemMutation[]) {
    const results = await this.#options.store.mutate(app, mutations);
    const streamed = mutations.filter((mutation) => mutation.recordChange).map((mutation) => mutation.table);
    if (streamed.length > 0) this.#options.onChanges?.(app, streamed);
    return results;
  }

  async query(app: string, table: string, options: QueryOptions): Promise<Page> {
    const config = this.config(app, table);
    const index = options.index === undefined ? undefined : config.indexes[options.index];
    if (options.index !== undefined && !index)
      throw new NimbusError(
        "BAD_REQUEST",
        `Table "${table}" has no index "${options.index}" (indexes: ${Object.keys(config.indexes).join(", ") || "none"})`,
      );
    const keys = index ?? config;
    const condition = parseKeyCondition(options.keyCondition, options, {
      partitionKey: keys.partitionKey.name,
      sortKey: keys.sortKey?.name,
    });
    const filter =
      options.filter === undefined ? undefined : parseCondition(options.filter, options, "filter");
    const projection =
      options.projection === undefined ? undefined : parseProjection(options.projection, options);
    const limit = pageLimit(options.limit);
    const rows = await this.#options.store.query(app, {
      table,
      index: index?.name,
      partition: encodeKeyValue(keys.partitionKey, condition.partition, table),
      sort: condition.sort && storedSortCondition(keys.sortKey as TableKeyConfig, condition.sort, table),
      numericSort: keys.sortKey?.type === "number",
      descending: options.descending ?? false,
      limit,
      after: decodeQueryCursor(options.cursor, index !== undefined),
    });
    return this.#page(config, rows, limit, filter, projection);
  }

  async scan(app: string, table: string, options: ScanOptions = {}): Promise<Page> {
    const config = this.config(app, table);
    const filter =
      options.filter === undefined ? undefined : parseCondition(options.filter, options, "filter");
    const projection =
      options.projection === undefined ? undefined : parseProjection(options.projection, options);
    const limit = pageLimit(options.limit);
    const rows = await this.#options.store.scan(app, table, limit, decodeScanCursor(options.cursor));
    return this.#page(config, rows, limit, filter, projection);
  }

  /** As DynamoDB: the limit counts items read, the filter applies after it, so a page may be short. */
  #page(
    config: TableConfig,
    rows: readonly StoredRow[],
    limit: number,
    filter: Condition | undefined,
    projection: ReturnType<typeof parseProjection> | undefined,
  ): Page {
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    const items = this.#visible(config, rows)
      .map((row) => row.item)
      .filter((item) => !filter || evaluateCondition(filter, item))
      .map((item) => (projection ? project(item, projection) : item));
    return { items, cursor: last && encodeCursor(last.key, last.indexSort) };
  }

  /** Deletes the items of a table whose TTL passed (one batch); returns how many. */
  async expire(app: string, table: string): Promise<number> {
    const recordChanges = this.#options.recordsChanges?.(app, table) ?? false;
    const expired = await this.#options.store.deleteExpired(
      app,
      table,
      this.#nowSeconds(),
      TABLE_LIMITS.expiryBatchItems,
      recordChanges,
    );
    if (recordChanges && expired.length > 0) this.#options.onChanges?.(app, [table]);
    return expired.length;
  }
}

function pageLimit(limit: number | undefined): number {
  const value = limit ?? TABLE_LIMITS.defaultPageItems;
  if (!Number.isInteger(value) || value < 1 || value > TABLE_LIMITS.maxPageItems)
    throw new NimbusError("BAD_REQUEST", `limit must be an integer from 1 to ${TABLE_LIMITS.maxPageItems}`);
  return value;
}

function assertDistinctKeys(
  keys: readonly string[],
  code: "BAD_REQUEST" | "TABLE_TRANSACTION_CANCELED",
): void {
  const seen = new Set<string>();
  for (const [index, key] of keys.entries()) {
    if (seen.has(key))
      throw new NimbusError(
        code,
        `Entry ${index} names the same item as an earlier entry; each item may appear once`,
        { details: { index } },
      );
    seen.add(key);
  }
}

function storedSortCondition(
  spec: TableKeyConfig,
  condition: SortKeyCondition,
  table: string,
): StoredSortCondition {
  const value = (key: KeyValue): string | number => {
    const text = encodeKeyValue(spec, key, table);
    return spec.type === "number" ? Number(text) : text;
  };
  if (condition.op === "beginsWith") {
    if (spec.type !== "string")
      throw new NimbusError(
        "TABLE_EXPRESSION_INVALID",
        `begins_with needs a string sort key; "${spec.name}" is a number`,
      );
    return { op: "beginsWith", prefix: condition.prefix };
  }
  if (condition.op === "between")
    return { op: "between", low: value(condition.low), high: value(condition.high) };
  return { op: condition.op, value: value(condition.value) };
}
