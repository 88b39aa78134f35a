// Writes a whole batch in one statement: one array parameter per column, spread back into
// rows by unnest(). One round trip however large the batch, and no 65,535-parameter limit.

export interface Column<Row> {
  readonly name: string;
  /** The PostgreSQL element type, for the array cast ("text", "bigint", ...). */
  readonly type: string;
  readonly value: (row: Row) => unknown;
}

export interface UnnestInsert {
  /** `INSERT INTO table (columns) SELECT ... FROM unnest($1::type[], ...) ORDER BY` the batch order. */
  readonly sql: string;
  readonly params: unknown[][];
}

export function unnestInsert<Row>(
  table: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
): UnnestInsert {
  const names = columns.map((column) => column.name).join(", ");
  const arrays = columns.map((column, index) => `$${index + 1}::${column.type}[]`).join(", ");
  // WITH ORDINALITY + ORDER BY: rows are inserted in batch order, so identity ids follow it.
  const sql = `INSERT INTO ${table} (${names})
    SELECT ${names} FROM unnest(${arrays}) WITH ORDINALITY AS batch (${names}, batch_position)
    ORDER BY batch_position`;
  return { sql, params: columns.map((column) => rows.map(column.value)) };
}
