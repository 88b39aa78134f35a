// nimbus entities ls|get|call|signal|read|history: durable entities through the HTTP API.
import { NimbusError } from "../../core/errors.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

interface EntityView {
  entity: string;
  key: string;
  state: unknown;
  version: number;
  queued: number;
  updatedAt: number;
}

interface OperationView {
  operationId: string;
  operation: string;
  kind: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  attempts: number;
  enqueuedAt: number;
  durationMs?: number;
}

function jsonArgument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new NimbusError("BAD_REQUEST", `The input is not JSON: ${text}`);
  }
}

const compact = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));

async function keyPath(client: AdminClient, options: RemoteOptions, entity: string, key: string) {
  const app = await resolveApp(client, options.app);
  return `/apps/${encodeURIComponent(app)}/entities/${encodeURIComponent(entity)}/${encodeURIComponent(key)}`;
}

export async function listEntities(
  entity: string | undefined,
  options: RemoteOptions & { limit?: number },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const query = new URLSearchParams();
  if (entity) query.set("entity", entity);
  if (options.limit) query.set("limit", String(options.limit));
  const { entities } = await client.request<{ entities: EntityView[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/entities?${query}`,
  );
  if (options.json) return printJson(entities);
  if (entities.length === 0) console.log(`App ${app} has no entity keys${entity ? ` of ${entity}` : ""}.`);
  for (const each of entities) {
    console.log(`${each.entity}  ${each.key}  version=${each.version}  queued=${each.queued}`);
  }
}

export async function getEntity(entity: string, key: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const view = await client.request<EntityView>("GET", await keyPath(client, options, entity, key));
  if (options.json) return printJson(view);
  console.log(`${view.entity}  ${view.key}  version=${view.version}  queued=${view.queued}`);
  console.log(`state: ${compact(view.state) || "(none yet)"}`);
}

export async function callEntity(
  verb: "call" | "signal" | "read",
  entity: string,
  key: string,
  operation: string,
  input: string | undefined,
  options: RemoteOptions & { id?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const path = `${await keyPath(client, options, entity, key)}/${verb}/${encodeURIComponent(operation)}`;
  const body = {
    input: jsonArgument(input),
    ...(options.id && verb !== "read" ? { operationId: options.id } : {}),
  };
  const answer = await client.request<{ operationId: string; output?: unknown; duplicate?: boolean }>(
    "POST",
    path,
    body,
  );
  if (options.json) return printJson(answer);
  if (verb === "signal") console.log(`Queued ${operation} on ${entity}/${key} as ${answer.operationId}`);
  else console.log(compact(answer.output ?? null));
}

export async function entityHistory(
  entity: string,
  key: string,
  options: RemoteOptions & { limit?: number },
): Promise<void> {
  const client = new AdminClient(options);
  const query = options.limit ? `?limit=${options.limit}` : "";
  const { operations } = await client.request<{ operations: OperationView[] }>(
    "GET",
    `${await keyPath(client, options, entity, key)}/history${query}`,
  );
  if (options.json) return printJson(operations);
  for (const op of operations) {
    const duration = op.durationMs === undefined ? "" : `  ${op.durationMs}ms`;
    console.log(
      `${new Date(op.enqueuedAt).toISOString()}  ${op.operation}  ${op.kind}  ${op.status}${duration}  ${op.operationId}`,
    );
    console.log(`     input:  ${compact(op.input)}`);
    if (op.output !== undefined) console.log(`     output: ${compact(op.output)}`);
    if (op.error !== undefined) console.log(`     error:  ${compact(op.error)}`);
  }
}
