// SQL shared by the SQLite and PostgreSQL table stores: the two speak the same SQL for items,
// and differ only in how parameters are written (`param` returns `?` or `$n`).
import type { TableItem } from "../core/tables/index.ts";
import type { StoredQuery, StoredRow, StoredSortCondition } from "./table-ports.ts";

export interface ItemRow {
  partition_key: string;
  sort_key: string;
  item: string;
  index_sort?: string | null;
}

export function toStoredRow(row: ItemRow): StoredRow {
  return {
    key: { partition: row.partition_key, sort: row.sort_key },
    item: JSON.parse(row.item) as TableItem,
    indexSort: row.index_sort ?? undefined,
  };
}

type Param = (value: string | number) => string;

function sortClause(column: string, condition: StoredSortCondition, param: Param): string {
  switch (condition.op) {
    case "between":
      return `${column} BETWEEN ${param(condition.low)} AND ${param(condition.high)}`;
    case "beginsWith": {
      // The range part lets the index narrow the scan; the prefix test makes it exact. Each use
      // is its own parameter: SQLite's `?` placeholders are positional.
      const prefix = () => param(condition.prefix);
      return `${column} >= ${prefix()} AND substr(${column}, 1, length(${prefix()})) = ${prefix()}`;
    }
    default:
      return `${column} ${condition.op} ${param(condition.value)}`;
  }
}

/** The SELECT of one query page (table or index), in sort order, after the cursor. */
export function querySql(app: string, query: StoredQuery, param: Param): string {
  const onIndex = query.index !== undefined;
  const source = onIndex ? "e" : "i";
  const sortColumn = `${source}.${query.numericSort ? "sort_number" : "sort_key"}`;
  const direction = query.descending ? "DESC" : "ASC";
  const where = [`${source}.app = ${param(app)}`, `${source}.table_name = ${param(query.table)}`];
  if (onIndex) where.push(`e.index_name = ${param(query.index as string)}`);
  where.push(`${source}.partition_key = ${param(query.partition)}`);
  if (query.sort) where.push(sortClause(sortColumn, query.sort, param));
  if (query.after) {
    const after = query.numericSort ? Number(query.after.sort) : query.after.sort;
    const compare = query.descending ? "<" : ">";
    if (onIndex && query.after.item) {
      where.push(
        `(${sortColumn}, e.item_partition, e.item_sort) ${compare} (${param(after)}, ${param(query.after.item.partition)}, ${param(query.after.item.sort)})`,
      );
    } else where.push(`${sortColumn} ${compare} ${param(after)}`);
  }
  const order = onIndex
    ? `${sortColumn} ${direction}, e.item_partition ${direction}, e.item_sort ${direction}`
    : `${sortColumn} ${direction}`;
  const from = onIndex
    ? `table_index_entries e JOIN table_items i ON i.app = e.app AND i.table_name = e.table_name
         AND i.partition_key = e.item_partition AND i.sort_key = e.item_sort`
    : "table_items i";
  const indexSort = onIndex ? "e.sort_key" : "NULL";
  return `SELECT i.partition_key, i.sort_key, i.item, ${indexSort} AS index_sort FROM ${from}
    WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${Math.trunc(query.limit)}`;
}

export const TABLE_SQL = {
  columns: "partition_key, sort_key, item",
} as const;
