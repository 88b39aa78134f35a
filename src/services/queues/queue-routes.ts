// The queues' part of the platform's HTTP API, under /_nimbus/apps/:app/queues (docs/queues.md).
// Every route declares its action and resource (queue/<name>) for the one authorization point,
// so a function's token reaches only the queues its permissions name.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { QUEUE_LIMITS } from "../../core/manifest/queues.ts";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import type { ReceivedMessage, SentMessage } from "../../store/queue-ports.ts";
import { MAX_BATCH_ENTRIES, MAX_RECEIVE_MESSAGES, MAX_WAIT_TIME_MS } from "./queue-limits.ts";
import type { QueueService } from "./queue-service.ts";

const params = z.strictObject({ app: z.string().min(1), queue: z.string().min(1) });
const appParams = z.strictObject({ app: z.string().min(1) });
const handleParams = params.extend({ receiptHandle: z.string().min(1) });

const sendEntry = z.strictObject({
  body: z.string(),
  attributes: z.record(z.string().min(1).max(256), z.string()).optional(),
  delayMs: z.int().min(0).max(QUEUE_LIMITS.maxDelayMs).optional(),
  groupId: z.string().min(1).max(128).optional(),
  deduplicationId: z.string().min(1).max(128).optional(),
});
// One message, or a batch: { entries: [...] } (all stored, or none).
const sendBody = z.union([
  sendEntry,
  z.strictObject({ entries: z.array(sendEntry).min(1).max(MAX_BATCH_ENTRIES) }),
]);
const receiveBody = z
  .strictObject({
    maxMessages: z.int().min(1).max(MAX_RECEIVE_MESSAGES).optional(),
    waitTimeMs: z.int().min(0).max(MAX_WAIT_TIME_MS).optional(),
    visibilityTimeoutMs: z.int().min(0).max(QUEUE_LIMITS.maxVisibilityTimeoutMs).optional(),
  })
  .default({});
const deleteBody = z.strictObject({
  receiptHandles: z.array(z.string().min(1)).min(1).max(MAX_BATCH_ENTRIES),
});
const visibilityBody = z.strictObject({
  receiptHandle: z.string().min(1),
  visibilityTimeoutMs: z.int().min(0).max(QUEUE_LIMITS.maxVisibilityTimeoutMs),
});
const redriveBody = z
  .strictObject({ to: z.string().min(1).optional(), maxMessages: z.int().min(1).optional() })
  .default({});

function target(request: FastifyRequest): { app: string; queue: string } {
  return parseBody(params, request.params, "path");
}

function queueOf(request: FastifyRequest): string {
  const { app = "", queue = "" } = request.params as Record<string, string | undefined>;
  return appResource(app, `queue/${queue}`);
}

function allQueuesOf(request: FastifyRequest): string {
  const { app = "" } = request.params as Record<string, string | undefined>;
  return appResource(app, "queue/*");
}

function sentView(sent: SentMessage) {
  return { messageId: sent.messageId, sequenceNumber: sent.sequenceNumber, duplicate: sent.duplicate };
}

function receivedView(message: ReceivedMessage) {
  return { ...message };
}

export function registerQueueRoutes(app: FastifyInstance, prefix: string, queues: QueueService): void {
  const base = `${prefix}/apps/:app/queues`;
  const one = `${base}/:queue`;

  app.get(base, { config: operation("queues:ListQueues", allQueuesOf) }, async (request) => {
    const { app: appName } = parseBody(appParams, request.params, "path");
    return { queues: await queues.list(appName) };
  });

  app.get(one, { config: operation("queues:GetQueueAttributes", queueOf) }, async (request) => {
    const { app: appName, queue } = target(request);
    return queues.describe(appName, queue);
  });

  app.post(
    `${one}/messages`,
    { config: operation("queues:SendMessage", queueOf) },
    async (request, reply) => {
      const { app: appName, queue } = target(request);
      const body = parseBody(sendBody, request.body, "message");
      if ("entries" in body) {
        const sent = await queues.send(appName, queue, body.entries);
        return reply.code(201).send({ messages: sent.map(sentView) });
      }
      const [sent] = await queues.send(appName, queue, [body]);
      return reply.code(201).send(sentView(sent as SentMessage));
    },
  );

  app.post(`${one}/receive`, { config: operation("queues:ReceiveMessage", queueOf) }, async (request) => {
    const { app: appName, queue } = target(request);
    const body = parseBody(receiveBody, request.body ?? {}, "receive request");
    const messages = await queues.receive(appName, queue, body);
    return { messages: messages.map(receivedView) };
  });

  app.delete(
    `${one}/messages/:receiptHandle`,
    { config: operation("queues:DeleteMessage", queueOf) },
    async (request, reply) => {
      const { app: appName, queue, receiptHandle } = parseBody(handleParams, request.params, "path");
      await queues.delete(appName, queue, receiptHandle);
      return reply.code(204).send();
    },
  );

  app.post(
    `${one}/messages/delete`,
    { config: operation("queues:DeleteMessage", queueOf) },
    async (request) => {
      const { app: appName, queue } = target(request);
      const body = parseBody(deleteBody, request.body, "delete request");
      return queues.deleteBatch(appName, queue, body.receiptHandles);
    },
  );

  app.post(
    `${one}/messages/visibility`,
    { config: operation("queues:ChangeMessageVisibility", queueOf) },
    async (request, reply) => {
      const { app: appName, queue } = target(request);
      const body = parseBody(visibilityBody, request.body, "visibility change");
      await queues.changeVisibility(appName, queue, body.receiptHandle, body.visibilityTimeoutMs);
      return reply.code(204).send();
    },
  );

  app.post(`${one}/purge`, { config: operation("queues:PurgeQueue", queueOf) }, async (request) => {
    const { app: appName, queue } = target(request);
    return { purged: await queues.purge(appName, queue) };
  });

  app.post(`${one}/redrive`, { config: operation("queues:RedriveMessages", queueOf) }, async (request) => {
    const { app: appName, queue } = target(request);
    const body = parseBody(redriveBody, request.body ?? {}, "redrive request");
    return queues.redrive(appName, queue, body);
  });
}
