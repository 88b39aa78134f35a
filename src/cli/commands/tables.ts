// nimbus tables ls|get|put|query|scan: an app's tables through the HTTP API.

import { NimbusError } from "../../core/errors.ts";
import type { TableConfig } from "../../core/manifest/tables.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

type Item = Record<string, unknown>;

function path(app: string, table: string, rest: string): string {
  return `/apps/${encodeURIComponent(app)}/tables/${encodeURIComponent(table)}${rest}`;
}

async function target(options: RemoteOptions): Promise<{ client: AdminClient; app: string }> {
  const client = new AdminClient(options);
  return { client, app: await resolveApp(client, options.app) };
}

/** A JSON argument (an item, a key, expression values), refused as one clear line when malformed. */
function jsonArgument(text: string | undefined, what: string): Item | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Item;
  } catch {
    // Answered below with the same message as a non-object.
  }
  throw new NimbusError("BAD_REQUEST", `${what} must be a JSON object, e.g. '{"id":"42"}'`);
}

function keyText(config: TableConfig): string {
  const sort = config.sortKey ? `, sort ${config.sortKey.name} (${config.sortKey.type})` : "";
  return `partition ${config.partitionKey.name} (${config.partitionKey.type})${sort}`;
}

export async function listTables(options: RemoteOptions): Promise<void> {
  const { client, app } = await target(options);
  const { tables } = await client.request<{ tables: TableConfig[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/tables`,
  );
  if (options.json) return printJson(tables);
  if (tables.length === 0) console.log(`App ${app} declares no tables.`);
  for (const table of tables) {
    const indexes = Object.keys(table.indexes);
    const extra = `${indexes.length ? `  indexes=${indexes.join(",")}` : ""}${table.ttlAttribute ? `  ttl=${table.ttlAttribute}` : ""}`;
    console.log(`${table.name}  ${keyText(table)}${extra}`);
  }
}

export async function getItem(table: string, key: string, options: RemoteOptions): Promise<void> {
  const { client, app } = await target(options);
  const { item } = await client.request<{ item: Item | null }>("POST", path(app, table, "/items/get"), {
    key: jsonArgument(key, "the key"),
  });
  if (item === null) throw new NimbusError("NOT_FOUND", `No item with key ${key} in table ${table}`);
  printJson(item);
}

export interface PutOptions extends RemoteOptions {
  condition?: string;
  values?: string;
  names?: string;
}

export async function putItem(table: string, item: string, options: PutOptions): Promise<void> {
  const { client, app } = await target(options);
  const answer = await client.request<{ oldItem: Item | null }>("PUT", path(app, table, "/items"), {
    item: jsonArgument(item, "the item"),
    ...(options.condition ? { condition: options.condition } : {}),
    ...(options.values ? { values: jsonArgument(options.values, "--values") } : {}),
    ...(options.names ? { names: jsonArgument(options.names, "--names") } : {}),
  });
  if (options.json) return printJson(answer);
  console.log(answer.oldItem ? `Replaced an item in ${table}.` : `Stored a new item in ${table}.`);
}

export interface QueryCommandOptions extends RemoteOptions {
  index?: string;
  filter?: string;
  values?: string;
  names?: string;
  limit?: number;
  desc?: boolean;
  cursor?: string;
}

function printPage(page: { items: Item[]; cursor?: string }, options: RemoteOptions): void {
  if (options.json) {
    printJson(page);
    return;
  }
  for (const item of page.items) console.log(JSON.stringify(item));
  if (page.cursor) console.log(`more: --cursor ${page.cursor}`);
}

export async function queryTable(
  table: string,
  keyCondition: string,
  options: QueryCommandOptions,
): Promise<void> {
  const { client, app } = await target(options);
  const page = await client.request<{ items: Item[]; cursor?: string }>("POST", path(app, table, "/query"), {
    keyCondition,
    ...(options.index ? { index: options.index } : {}),
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.values ? { values: jsonArgument(options.values, "--values") } : {}),
    ...(options.names ? { names: jsonArgument(options.names, "--names") } : {}),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.desc ? { descending: true } : {}),
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  printPage(page, options);
}

export async function scanTable(table: string, options: QueryCommandOptions): Promise<void> {
  const { client, app } = await target(options);
  const page = await client.request<{ items: Item[]; cursor?: string }>("POST", path(app, table, "/scan"), {
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.values ? { values: jsonArgument(options.values, "--values") } : {}),
    ...(options.names ? { names: jsonArgument(options.names, "--names") } : {}),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  printPage(page, options);
}
