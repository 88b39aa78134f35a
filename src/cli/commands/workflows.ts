// nimbus workflows start|ls|describe|history|signal|retry|cancel: durable workflows through the HTTP API.
import { NimbusError } from "../../core/errors.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

interface InstanceView {
  id: string;
  workflow: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  dueAt?: number;
  invocations: number;
  createdAt: number;
  version?: number;
  customStatus?: unknown;
  correlationKey?: string;
  parentId?: string;
  cancelRequested?: string;
}

interface HistoryView {
  seq: number;
  key: string;
  kind: string;
  state: string;
  output: unknown;
  error: unknown;
  attempts: number;
  wakeAt?: number;
  startedAt: number;
  durationMs?: number;
}

interface EventView {
  eventId: string;
  name: string;
  payload: unknown;
  sentAt: number;
  consumed: boolean;
}

function jsonArgument(text: string | undefined, what: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new NimbusError("BAD_REQUEST", `The ${what} is not JSON: ${text}`);
  }
}

const instancePath = (id: string, rest = "") => `/workflows/${encodeURIComponent(id)}${rest}`;
const time = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());
const compact = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));

export async function startWorkflow(
  workflow: string,
  input: string | undefined,
  options: RemoteOptions & { id?: string; correlationKey?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const started = await client.request<{ instanceId: string; status: string; duplicate: boolean }>(
    "POST",
    `/apps/${encodeURIComponent(app)}/workflows/${encodeURIComponent(workflow)}/instances`,
    {
      input: jsonArgument(input, "input"),
      ...(options.id ? { instanceId: options.id } : {}),
      ...(options.correlationKey ? { correlationKey: options.correlationKey } : {}),
    },
  );
  if (options.json) return printJson(started);
  console.log(
    `${started.duplicate ? "Already started" : "Started"} ${workflow} instance ${started.instanceId}`,
  );
}

export async function listWorkflows(
  options: RemoteOptions & { workflow?: string; limit?: number },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const query = new URLSearchParams();
  if (options.workflow) query.set("workflow", options.workflow);
  if (options.limit) query.set("limit", String(options.limit));
  const { instances } = await client.request<{ instances: InstanceView[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/workflows?${query}`,
  );
  if (options.json) return printJson(instances);
  if (instances.length === 0) console.log(`App ${app} has no workflow instances.`);
  for (const instance of instances) {
    console.log(
      `${instance.id}  ${instance.workflow}  ${instance.status}  started ${time(instance.createdAt)}`,
    );
  }
}

function printHistory(history: HistoryView[], events: EventView[]): void {
  for (const entry of history) {
    const attempts = entry.kind === "step" ? `  attempts=${entry.attempts}` : "";
    const duration = entry.durationMs === undefined ? "" : `  ${entry.durationMs}ms`;
    const wake = entry.wakeAt === undefined ? "" : `  due ${time(entry.wakeAt)}`;
    console.log(
      `${entry.seq}  ${entry.key}  ${entry.state}${attempts}${duration}${wake}  started ${time(entry.startedAt)}`,
    );
    if (entry.output !== undefined) console.log(`     output: ${compact(entry.output)}`);
    if (entry.error !== undefined) console.log(`     error:  ${compact(entry.error)}`);
  }
  for (const event of events) {
    console.log(
      `event ${event.eventId}  ${event.name}  ${event.consumed ? "consumed" : "pending"}  ${compact(event.payload)}`,
    );
  }
}

export async function describeWorkflow(id: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const instance = await client.request<InstanceView & { history: HistoryView[]; events: EventView[] }>(
    "GET",
    instancePath(id),
  );
  if (options.json) return printJson(instance);
  const version = instance.version === undefined ? "" : `  version=${instance.version}`;
  console.log(
    `${instance.id}  ${instance.workflow}  ${instance.status}  replays=${instance.invocations}${version}`,
  );
  console.log(`input:  ${compact(instance.input)}`);
  if (instance.customStatus !== undefined) console.log(`status: ${compact(instance.customStatus)}`);
  if (instance.correlationKey !== undefined) console.log(`key:    ${instance.correlationKey}`);
  if (instance.parentId !== undefined) console.log(`parent: ${instance.parentId}`);
  if (instance.cancelRequested !== undefined) console.log(`cancel: ${instance.cancelRequested}`);
  if (instance.output !== undefined) console.log(`output: ${compact(instance.output)}`);
  if (instance.error !== undefined) console.log(`error:  ${compact(instance.error)}`);
  if (instance.dueAt !== undefined) console.log(`next:   ${time(instance.dueAt)}`);
  printHistory(instance.history, instance.events);
}

export async function workflowHistory(id: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const { history, events } = await client.request<{ history: HistoryView[]; events: EventView[] }>(
    "GET",
    instancePath(id, "/history"),
  );
  if (options.json) return printJson({ history, events });
  printHistory(history, events);
}

export async function signalWorkflow(
  id: string,
  name: string,
  payload: string | undefined,
  options: RemoteOptions & { eventId?: string; byKey?: boolean; workflow?: string },
): Promise<void> {
  const client = new AdminClient(options);
  if (options.byKey) return signalByKey(client, id, name, payload, options);
  const sent = await client.request<{ eventId: string; duplicate: boolean }>(
    "POST",
    instancePath(id, "/events"),
    {
      name,
      payload: jsonArgument(payload, "payload"),
      ...(options.eventId ? { eventId: options.eventId } : {}),
    },
  );
  if (options.json) return printJson(sent);
  console.log(`${sent.duplicate ? "Duplicate of" : "Sent"} event ${sent.eventId} (${name}) to ${id}`);
}

async function signalByKey(
  client: AdminClient,
  correlationKey: string,
  name: string,
  payload: string | undefined,
  options: RemoteOptions & { eventId?: string; workflow?: string },
): Promise<void> {
  const app = await resolveApp(client, options.app);
  const sent = await client.request<{
    eventId: string;
    instances: { instanceId: string; duplicate: boolean }[];
  }>("POST", `/apps/${encodeURIComponent(app)}/workflows/events`, {
    name,
    correlationKey,
    payload: jsonArgument(payload, "payload"),
    ...(options.eventId ? { eventId: options.eventId } : {}),
    ...(options.workflow ? { workflow: options.workflow } : {}),
  });
  if (options.json) return printJson(sent);
  const to = sent.instances.map((i) => `${i.instanceId}${i.duplicate ? " (duplicate)" : ""}`).join(", ");
  console.log(
    `Sent event ${sent.eventId} (${name}) to key ${correlationKey}: ${to || "no running instance"}`,
  );
}

export async function cancelWorkflow(
  id: string,
  options: RemoteOptions & { reason?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const instance = await client.request<InstanceView>("POST", instancePath(id, "/cancel"), {
    ...(options.reason ? { reason: options.reason } : {}),
  });
  if (options.json) return printJson(instance);
  // The instance ends cancelled once its next replay ran its compensations (ctx.onFailure).
  console.log(`Cancelling ${instance.id}`);
}

export async function retryWorkflow(id: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const instance = await client.request<InstanceView>("POST", instancePath(id, "/retry"), {});
  if (options.json) return printJson(instance);
  console.log(`Resumed ${instance.id} (${instance.status})`);
}
