// The tables' part of the platform's HTTP API, under /_nimbus/apps/:app/tables (docs/tables.md).
// Every route declares its action and resource (table/<name>) and passes the item's partition
// key as the condition context `tables:partitionKey`, so a policy can limit a user to the items
// under their own id. Batches and transactions check every entry the same way.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import type { RequestContext } from "../../core/policy/types.ts";
import type { TableItem, TableValue } from "../../core/tables/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { type Authorizer, operation, principalOf } from "../../identity/index.ts";
import type { TableService, TransactionEntry } from "./table-service.ts";
import type { TableWrite, WriteRequest } from "./table-writes.ts";

const jsonValue: z.ZodType<TableValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);
const item = z.record(z.string().min(1), jsonValue);
const inputs = {
  names: z.record(z.string().regex(/^#[A-Za-z0-9_]+$/), z.string().min(1)).optional(),
  values: z.record(z.string().regex(/^:[A-Za-z0-9_]+$/), jsonValue).optional(),
};
const params = z.strictObject({ app: z.string().min(1), table: z.string().min(1) });
const appParams = z.strictObject({ app: z.string().min(1) });
const getBody = z.strictObject({ key: item, projection: z.string().optional(), names: inputs.names });
const putBody = z.strictObject({ item, condition: z.string().optional(), ...inputs });
const updateBody = z.strictObject({
  key: item,
  update: z.string(),
  condition: z.string().optional(),
  ...inputs,
});
const deleteBody = z.strictObject({ key: item, condition: z.string().optional(), ...inputs });
const page = {
  limit: z.int().optional(),
  cursor: z.string().optional(),
  projection: z.string().optional(),
  filter: z.string().optional(),
};
const queryBody = z.strictObject({
  keyCondition: z.string(),
  index: z.string().optional(),
  descending: z.boolean().optional(),
  ...page,
  ...inputs,
});
const scanBody = z.strictObject({ ...page, ...inputs }).default({});
const batchGetBody = z.strictObject({
  keys: z.array(item).min(1),
  projection: z.string().optional(),
  names: inputs.names,
});
const batchWriteBody = z.strictObject({
  writes: z.array(z.union([z.strictObject({ put: item }), z.strictObject({ delete: item })])).min(1),
});
const transactEntry = z.union([
  z.strictObject({
    put: z.strictObject({ table: z.string(), item, condition: z.string().optional(), ...inputs }),
  }),
  z.strictObject({
    update: z.strictObject({
      table: z.string(),
      key: item,
      update: z.string(),
      condition: z.string().optional(),
      ...inputs,
    }),
  }),
  z.strictObject({
    delete: z.strictObject({ table: z.string(), key: item, condition: z.string().optional(), ...inputs }),
  }),
  z.strictObject({
    check: z.strictObject({ table: z.string(), key: item, condition: z.string(), ...inputs }),
  }),
]);
const transactBody = z.strictObject({ entries: z.array(transactEntry).min(1) });

type TransactDocument = z.infer<typeof transactEntry>;

const ACTION_OF = {
  put: "tables:PutItem",
  update: "tables:UpdateItem",
  delete: "tables:DeleteItem",
  check: "tables:GetItem",
} as const;

function rawParams(request: FastifyRequest): Record<string, string | undefined> {
  return request.params as Record<string, string | undefined>;
}

function tableOf(request: FastifyRequest): string {
  const { app = "", table = "" } = rawParams(request);
  return appResource(app, `table/${table}`);
}

/** A transaction's declared resource: its first entry's table (every table is checked in the handler). */
function firstTableOf(request: FastifyRequest): string {
  const entries = bodyField(request, "entries");
  const first: unknown = Array.isArray(entries) ? entries[0] : undefined;
  const inner = typeof first === "object" && first !== null ? Object.values(first)[0] : undefined;
  const table =
    typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>).table : undefined;
  return appResource(rawParams(request).app ?? "", `table/${typeof table === "string" ? table : "*"}`);
}

function bodyField(request: FastifyRequest, field: string): unknown {
  const body = request.body;
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[field] : undefined;
}

function toTransactionEntry(entry: TransactDocument): TransactionEntry {
  const inputsOf = (doc: { names?: Record<string, string>; values?: Record<string, TableValue> }) => ({
    names: doc.names,
    values: doc.values,
  });
  if ("put" in entry)
    return {
      table: entry.put.table,
      write: { kind: "put", item: entry.put.item },
      condition: entry.put.condition,
      inputs: inputsOf(entry.put),
    };
  if ("update" in entry)
    return {
      table: entry.update.table,
      write: { kind: "update", key: entry.update.key, update: entry.update.update },
      condition: entry.update.condition,
      inputs: inputsOf(entry.update),
    };
  if ("delete" in entry)
    return {
      table: entry.delete.table,
      write: { kind: "delete", key: entry.delete.key },
      condition: entry.delete.condition,
      inputs: inputsOf(entry.delete),
    };
  return {
    table: entry.check.table,
    write: { kind: "check", key: entry.check.key },
    condition: entry.check.condition,
    inputs: inputsOf(entry.check),
  };
}

function writeItem(write: TableWrite): TableItem {
  return write.kind === "put" ? write.item : write.key;
}

export function registerTableRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { readonly tables: TableService; readonly authorizer: Authorizer },
): void {
  const { tables, authorizer } = deps;
  const base = `${prefix}/apps/:app/tables`;
  const one = `${base}/:table`;
  /** The condition context of a request naming one item (in `field` of the body). */
  const keyContext =
    (field: string) =>
    (request: FastifyRequest): RequestContext => {
      const { app: appName = "", table = "" } = rawParams(request);
      return { "tables:partitionKey": tables.partitionKeyOf(appName, table, bodyField(request, field)) };
    };
  /** Several items: their common partition key, or none (so a condition on it does not hold). */
  const commonContext = (appName: string, table: string, items: readonly unknown[]): RequestContext => {
    const keys = new Set(items.map((entry) => tables.partitionKeyOf(appName, table, entry)));
    return { "tables:partitionKey": keys.size === 1 ? [...keys][0] : undefined };
  };

  app.get(
    base,
    {
      config: operation("tables:ListTables", (request) =>
        appResource(rawParams(request).app ?? "", "table/*"),
      ),
    },
    async (request) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      return { tables: tables.list(appName) };
    },
  );

  app.post(
    `${one}/items/get`,
    { config: operation("tables:GetItem", tableOf, keyContext("key")) },
    async (request) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      const body = parseBody(getBody, request.body, "get request");
      const found = await tables.get(appName, table, body.key, {
        projection: body.projection,
        names: body.names,
      });
      return { item: found ?? null };
    },
  );

  app.put(
    `${one}/items`,
    { config: operation("tables:PutItem", tableOf, keyContext("item")) },
    async (request) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      const body = parseBody(putBody, request.body, "put request");
      const request_: WriteRequest = {
        write: { kind: "put", item: body.item },
        condition: body.condition,
        inputs: body,
      };
      const { oldItem } = await tables.write(appName, table, request_);
      return { oldItem: oldItem ?? null };
    },
  );

  app.post(
    `${one}/items/update`,
    { config: operation("tables:UpdateItem", tableOf, keyContext("key")) },
    async (request) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      const body = parseBody(updateBody, request.body, "update request");
      const { oldItem, newItem } = await tables.write(appName, table, {
        write: { kind: "update", key: body.key, update: body.update },
        condition: body.condition,
        inputs: body,
      });
      return { item: newItem ?? null, oldItem: oldItem ?? null };
    },
  );

  app.post(
    `${one}/items/delete`,
    { config: operation("tables:DeleteItem", tableOf, keyContext("key")) },
    async (request) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      const body = parseBody(deleteBody, request.body, "delete request");
      const { oldItem } = await tables.write(appName, table, {
        write: { kind: "delete", key: body.key },
        condition: body.condition,
        inputs: body,
      });
      return { oldItem: oldItem ?? null };
    },
  );

  app.post(
    `${one}/query`,
    {
      config: operation("tables:Query", tableOf, (request) => {
        const { app: appName = "", table = "" } = rawParams(request);
        return { "tables:partitionKey": tables.queryPartitionOf(appName, table, request.body) };
      }),
    },
    async (request) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      return tables.query(appName, table, parseBody(queryBody, request.body, "query"));
    },
  );

  app.post(`${one}/scan`, { config: operation("tables:Scan", tableOf) }, async (request) => {
    const { app: appName, table } = parseBody(params, request.params, "path");
    return tables.scan(appName, table, parseBody(scanBody, request.body ?? {}, "scan"));
  });

  app.post(
    `${one}/batch-get`,
    {
      config: operation("tables:GetItem", tableOf, (request) => {
        const { app: appName = "", table = "" } = rawParams(request);
        const keys = bodyField(request, "keys");
        return commonContext(appName, table, Array.isArray(keys) ? keys : []);
      }),
    },
    async (request) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      const body = parseBody(batchGetBody, request.body, "batch get");
      return {
        items: await tables.batchGet(appName, table, body.keys, {
          projection: body.projection,
          names: body.names,
        }),
      };
    },
  );

  app.post(
    `${one}/batch-write`,
    { config: operation("tables:BatchWriteItem", tableOf) },
    async (request, reply) => {
      const { app: appName, table } = parseBody(params, request.params, "path");
      const body = parseBody(batchWriteBody, request.body, "batch write");
      const writes: TableWrite[] = body.writes.map((write) =>
        "put" in write ? { kind: "put", item: write.put } : { kind: "delete", key: write.delete },
      );
      for (const write of writes) {
        await authorizer.assertAllowed(
          principalOf(request),
          ACTION_OF[write.kind],
          appResource(appName, `table/${table}`),
          {
            "tables:partitionKey": tables.partitionKeyOf(appName, table, writeItem(write)),
          },
        );
      }
      await tables.batchWrite(appName, table, writes);
      return reply.code(204).send();
    },
  );

  app.post(
    `${base}-transact`,
    { config: operation("tables:TransactWriteItems", firstTableOf) },
    async (request, reply) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      const entries = parseBody(transactBody, request.body, "transaction").entries.map(toTransactionEntry);
      for (const table of new Set(entries.map((entry) => entry.table)))
        await authorizer.assertAllowed(
          principalOf(request),
          "tables:TransactWriteItems",
          appResource(appName, `table/${table}`),
        );
      for (const entry of entries) {
        await authorizer.assertAllowed(
          principalOf(request),
          ACTION_OF[entry.write.kind],
          appResource(appName, `table/${entry.table}`),
          {
            "tables:partitionKey": tables.partitionKeyOf(appName, entry.table, writeItem(entry.write)),
          },
        );
      }
      await tables.transact(appName, entries);
      return reply.code(204).send();
    },
  );
}
