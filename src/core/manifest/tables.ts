// The `tables:` section of nimbus.yaml: DynamoDB-style tables with a partition key, an optional
// sort key, secondary indexes and a TTL attribute. Only keys are declared; items are free JSON.
import { z } from "zod";

export const TABLE_NAME = /^[a-z][a-z0-9-]{0,79}$/;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_TABLE_INDEXES = 20;

const keySchema = z
  .union([
    z.string().regex(ATTRIBUTE_NAME),
    z.strictObject({
      name: z.string().regex(ATTRIBUTE_NAME),
      type: z
        .enum(["string", "number"])
        .describe("The key's type; sort keys of type number sort as numbers."),
    }),
  ])
  .describe("An attribute name (a string key), or { name, type: string | number }.");

const indexSchema = z
  .strictObject({ partitionKey: keySchema, sortKey: keySchema.optional() })
  .describe("A secondary index: items that have its keys can be queried by them.");

export const tableSchema = z
  .strictObject({
    partitionKey: keySchema,
    sortKey: keySchema.optional(),
    indexes: z
      .record(z.string().regex(ATTRIBUTE_NAME, "index names are letters, digits and _"), indexSchema)
      .optional()
      .describe(`Secondary indexes by name (at most ${MAX_TABLE_INDEXES}).`),
    ttl: z
      .string()
      .regex(ATTRIBUTE_NAME)
      .optional()
      .describe("An attribute holding an epoch time in seconds; the item is deleted after it."),
  })
  .describe("A document table (DynamoDB semantics).");

export const tablesSchema = z
  .record(
    z.string().regex(TABLE_NAME, "table names are lower-case letters, digits and -, up to 80"),
    tableSchema,
  )
  .describe("The app's tables by name.");

export type TableDocument = z.infer<typeof tableSchema>;
type KeyDocument = z.infer<typeof keySchema>;

export interface TableKeyConfig {
  readonly name: string;
  readonly type: "string" | "number";
}

export interface TableIndexConfig {
  readonly name: string;
  readonly partitionKey: TableKeyConfig;
  readonly sortKey: TableKeyConfig | undefined;
}

export interface TableConfig {
  readonly name: string;
  readonly partitionKey: TableKeyConfig;
  readonly sortKey: TableKeyConfig | undefined;
  readonly indexes: Readonly<Record<string, TableIndexConfig>>;
  readonly ttlAttribute: string | undefined;
}

function key(doc: KeyDocument): TableKeyConfig {
  return typeof doc === "string" ? { name: doc, type: "string" } : { name: doc.name, type: doc.type };
}

export function tableProblems(
  docs: Readonly<Record<string, TableDocument>> | undefined,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [name, doc] of Object.entries(docs ?? {})) {
    const keys = [key(doc.partitionKey).name, doc.sortKey ? key(doc.sortKey).name : undefined];
    if (keys[0] === keys[1])
      problems.push({
        path: ["tables", name, "sortKey"],
        message: "the sort key must differ from the partition key",
      });
    if (doc.ttl && keys.includes(doc.ttl))
      problems.push({ path: ["tables", name, "ttl"], message: "the TTL attribute cannot be a key" });
    const indexes = Object.entries(doc.indexes ?? {});
    if (indexes.length > MAX_TABLE_INDEXES)
      problems.push({ path: ["tables", name, "indexes"], message: `at most ${MAX_TABLE_INDEXES} indexes` });
    for (const [indexName, index] of indexes) {
      if (index.sortKey && key(index.sortKey).name === key(index.partitionKey).name)
        problems.push({
          path: ["tables", name, "indexes", indexName, "sortKey"],
          message: "the sort key must differ from the partition key",
        });
    }
  }
  return problems;
}

export function normalizeTables(
  docs: Readonly<Record<string, TableDocument>> | undefined,
): Record<string, TableConfig> {
  const tables: Record<string, TableConfig> = {};
  for (const [name, doc] of Object.entries(docs ?? {})) {
    const indexes: Record<string, TableIndexConfig> = {};
    for (const [indexName, index] of Object.entries(doc.indexes ?? {}))
      indexes[indexName] = {
        name: indexName,
        partitionKey: key(index.partitionKey),
        sortKey: index.sortKey === undefined ? undefined : key(index.sortKey),
      };
    tables[name] = {
      name,
      partitionKey: key(doc.partitionKey),
      sortKey: doc.sortKey === undefined ? undefined : key(doc.sortKey),
      indexes,
      ttlAttribute: doc.ttl,
    };
  }
  return tables;
}
