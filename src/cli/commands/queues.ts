// nimbus queues ls|send|receive|purge|redrive: an app's queues through the HTTP API.
import { readFileSync } from "node:fs";
import { formatDuration } from "../../core/durations.ts";
import type { QueueDescription } from "../../services/queues/index.ts";
import type { ReceivedMessage, SentMessage } from "../../store/queue-ports.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

function path(app: string, queue?: string, rest = ""): string {
  const base = `/apps/${encodeURIComponent(app)}/queues`;
  return queue === undefined ? base : `${base}/${encodeURIComponent(queue)}${rest}`;
}

async function target(options: RemoteOptions): Promise<{ client: AdminClient; app: string }> {
  const client = new AdminClient(options);
  return { client, app: await resolveApp(client, options.app) };
}

export async function listQueues(options: RemoteOptions): Promise<void> {
  const { client, app } = await target(options);
  const { queues } = await client.request<{ queues: QueueDescription[] }>("GET", path(app));
  if (options.json) return printJson(queues);
  if (queues.length === 0) console.log(`App ${app} declares no queues.`);
  for (const { config, stats } of queues) {
    const kind = config.fifo ? "fifo" : "standard";
    const dlq = config.deadLetter
      ? `  dlq=${config.deadLetter.queue} after ${config.deadLetter.maxReceiveCount}`
      : "";
    const oldest = stats.oldestAgeMs === undefined ? "-" : formatDuration(stats.oldestAgeMs);
    console.log(
      `${config.name}  ${kind}  visible=${stats.visible} inFlight=${stats.inFlight} delayed=${stats.delayed} oldest=${oldest}${dlq}`,
    );
  }
}

export interface SendOptions extends RemoteOptions {
  file?: string;
  group?: string;
  dedupId?: string;
  delayMs?: number;
  attribute?: string[];
}

function attributesOf(pairs: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const equals = pair.indexOf("=");
      return equals < 0 ? [pair, ""] : [pair.slice(0, equals), pair.slice(equals + 1)];
    }),
  );
}

export async function sendMessage(
  queue: string,
  body: string | undefined,
  options: SendOptions,
): Promise<void> {
  const { client, app } = await target(options);
  const text = body ?? (options.file ? readFileSync(options.file, "utf8") : "");
  const sent = await client.request<SentMessage>("POST", path(app, queue, "/messages"), {
    body: text,
    ...(options.attribute ? { attributes: attributesOf(options.attribute) } : {}),
    ...(options.group ? { groupId: options.group } : {}),
    ...(options.dedupId ? { deduplicationId: options.dedupId } : {}),
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
  });
  if (options.json) return printJson(sent);
  console.log(`${sent.duplicate ? "Duplicate of" : "Sent"} ${sent.messageId} to ${queue}`);
}

export interface ReceiveOptions extends RemoteOptions {
  max?: number;
  waitMs?: number;
  visibilityMs?: number;
  /** Delete what was received (acknowledge it). */
  delete?: boolean;
}

export async function receiveMessages(queue: string, options: ReceiveOptions): Promise<void> {
  const { client, app } = await target(options);
  const { messages } = await client.request<{ messages: ReceivedMessage[] }>(
    "POST",
    path(app, queue, "/receive"),
    {
      maxMessages: options.max ?? 1,
      waitTimeMs: options.waitMs ?? 0,
      ...(options.visibilityMs === undefined ? {} : { visibilityTimeoutMs: options.visibilityMs }),
    },
  );
  if (options.delete && messages.length > 0) {
    await client.request("POST", path(app, queue, "/messages/delete"), {
      receiptHandles: messages.map((message) => message.receiptHandle),
    });
  }
  if (options.json) return printJson(messages);
  if (messages.length === 0) console.log(`No message in ${queue}.`);
  for (const message of messages) {
    const group = message.groupId ? `  group=${message.groupId}` : "";
    console.log(`${message.messageId}  receives=${message.receiveCount}${group}  ${message.body}`);
    if (!options.delete) console.log(`  receipt: ${message.receiptHandle}`);
  }
}

export async function purgeQueue(queue: string, options: RemoteOptions): Promise<void> {
  const { client, app } = await target(options);
  const { purged } = await client.request<{ purged: number }>("POST", path(app, queue, "/purge"), {});
  if (options.json) return printJson({ purged });
  console.log(`Purged ${purged} message(s) from ${queue}.`);
}

export async function redriveQueue(
  queue: string,
  options: RemoteOptions & { to?: string; max?: number },
): Promise<void> {
  const { client, app } = await target(options);
  const result = await client.request<{ moved: number; to: string }>("POST", path(app, queue, "/redrive"), {
    ...(options.to ? { to: options.to } : {}),
    ...(options.max === undefined ? {} : { maxMessages: options.max }),
  });
  if (options.json) return printJson(result);
  console.log(`Moved ${result.moved} message(s) from ${queue} to ${result.to}.`);
}
