// The app's tables from function code, with this function's rights: its permissions must allow
// the tables:* action on "table/<name>" (GetItem, PutItem, UpdateItem, DeleteItem, Query, …).
import { currentApp, platformRequest } from "./platform-client.ts";

export type TableValue = null | boolean | number | string | TableValue[] | { [name: string]: TableValue };
export type TableItem = { [name: string]: TableValue };

export interface ExpressionInputs {
  /** `#name` placeholders for attribute names (reserved words, odd characters). */
  readonly names?: Readonly<Record<string, string>>;
  /** `:value` placeholders: every value an expression uses. */
  readonly values?: Readonly<Record<string, TableValue>>;
}

export interface WriteOptions extends ExpressionInputs {
  /** Written only if this holds for the stored item, else TABLE_CONDITION_FAILED (409). */
  readonly condition?: string;
}

export interface QueryInput extends ExpressionInputs {
  /** `pk = :v` and optionally one sort key condition (=, <, <=, >, >=, BETWEEN, begins_with). */
  readonly keyCondition: string;
  readonly index?: string;
  readonly filter?: string;
  readonly projection?: string;
  readonly limit?: number;
  readonly descending?: boolean;
  readonly cursor?: string;
}

export interface TablePage {
  readonly items: TableItem[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  readonly cursor?: string;
}

export type TransactionEntry =
  | { readonly put: { readonly table: string; readonly item: TableItem } & WriteOptions }
  | {
      readonly update: {
        readonly table: string;
        readonly key: TableItem;
        readonly update: string;
      } & WriteOptions;
    }
  | { readonly delete: { readonly table: string; readonly key: TableItem } & WriteOptions }
  | {
      readonly check: {
        readonly table: string;
        readonly key: TableItem;
        readonly condition: string;
      } & ExpressionInputs;
    };

function path(table: string, rest: string): string {
  return `/apps/${encodeURIComponent(currentApp())}/tables/${encodeURIComponent(table)}${rest}`;
}

export const tables = {
  async get(
    table: string,
    key: TableItem,
    options: { projection?: string; names?: Record<string, string> } = {},
  ): Promise<TableItem | undefined> {
    const { item } = await platformRequest<{ item: TableItem | null }>("POST", path(table, "/items/get"), {
      key,
      ...options,
    });
    return item ?? undefined;
  },

  /** Resolves once the item is stored durably; returns the item it replaced, if any. */
  async put(
    table: string,
    item: TableItem,
    options: WriteOptions = {},
  ): Promise<{ oldItem: TableItem | undefined }> {
    const { oldItem } = await platformRequest<{ oldItem: TableItem | null }>("PUT", path(table, "/items"), {
      item,
      ...options,
    });
    return { oldItem: oldItem ?? undefined };
  },

  /** Applies an update expression (SET, REMOVE, ADD, DELETE); returns the item as stored after it. */
  async update(
    table: string,
    key: TableItem,
    update: string,
    options: WriteOptions = {},
  ): Promise<TableItem> {
    const { item } = await platformRequest<{ item: TableItem }>("POST", path(table, "/items/update"), {
      key,
      update,
      ...options,
    });
    return item;
  },

  async delete(
    table: string,
    key: TableItem,
    options: WriteOptions = {},
  ): Promise<{ oldItem: TableItem | undefined }> {
    const { oldItem } = await platformRequest<{ oldItem: TableItem | null }>(
      "POST",
      path(table, "/items/delete"),
      { key, ...options },
    );
    return { oldItem: oldItem ?? undefined };
  },

  async query(table: string, input: QueryInput): Promise<TablePage> {
    return platformRequest<TablePage>("POST", path(table, "/query"), input);
  },

  async scan(
    table: string,
    input: Omit<QueryInput, "keyCondition" | "index" | "descending"> = {},
  ): Promise<TablePage> {
    return platformRequest<TablePage>("POST", path(table, "/scan"), input);
  },

  async batchGet(table: string, keys: readonly TableItem[]): Promise<TableItem[]> {
    const { items } = await platformRequest<{ items: TableItem[] }>("POST", path(table, "/batch-get"), {
      keys,
    });
    return items;
  },

  /** Several writes across items and tables: all or none (TABLE_TRANSACTION_CANCELED). */
  async transact(entries: readonly TransactionEntry[]): Promise<void> {
    await platformRequest<unknown>("POST", `/apps/${encodeURIComponent(currentApp())}/tables-transact`, {
      entries,
    });
  },
};
