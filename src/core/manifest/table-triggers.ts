// Tables as a function trigger: `events: - table: orders` (or `{ name, batchSize }`). Every
// insert, modification and removal of an item calls the function with DynamoDB-Streams-shaped
// records, in order (src/services/tables/table-streams.ts).
import { z } from "zod";
import { TABLE_NAME } from "./tables.ts";

export const TABLE_TRIGGER_DEFAULTS = { batchSize: 100 } as const;
export const TABLE_TRIGGER_MAX_BATCH_SIZE = 1_000;

const tableTriggerOptions = z.strictObject({
  name: z.string().regex(TABLE_NAME).describe("A table declared under tables:."),
  batchSize: z
    .int()
    .min(1)
    .max(TABLE_TRIGGER_MAX_BATCH_SIZE)
    .optional()
    .describe(
      `Change records per call, at most (1 to ${TABLE_TRIGGER_MAX_BATCH_SIZE}, default ${TABLE_TRIGGER_DEFAULTS.batchSize}).`,
    ),
});

export const tableEventSchema = z.strictObject({
  table: z
    .union([z.string().regex(TABLE_NAME), tableTriggerOptions])
    .describe(
      "Call the function with the table's changes (INSERT, MODIFY, REMOVE with old and new images), in order; a failed batch is retried per the function's async: settings, then goes to its dead-letter queue.",
    ),
});

export type TableEventDocument = z.infer<typeof tableEventSchema>;

export interface TableTriggerConfig {
  readonly table: string;
  readonly batchSize: number;
}

export function normalizeTableTrigger(event: TableEventDocument): TableTriggerConfig {
  const options = typeof event.table === "string" ? { name: event.table } : event.table;
  return { table: options.name, batchSize: options.batchSize ?? TABLE_TRIGGER_DEFAULTS.batchSize };
}

/** Triggers must name a table the manifest declares. */
export function tableTriggerProblems(
  functions: Readonly<Record<string, { events?: readonly unknown[] | undefined }>>,
  tables: Readonly<Record<string, unknown>> | undefined,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [name, fn] of Object.entries(functions)) {
    (fn.events ?? []).forEach((event, index) => {
      if (typeof event !== "object" || event === null || !("table" in event)) return;
      const table = normalizeTableTrigger(event as TableEventDocument).table;
      if (!tables?.[table])
        problems.push({
          path: ["functions", name, "events", index, "table"],
          message: `the table "${table}" is not declared under tables:`,
        });
    });
  }
  return problems;
}
