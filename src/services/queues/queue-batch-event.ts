// What a queue-triggered function receives, and how its answer says which messages failed.
//
// - Lambda-style handlers get an SQS event ({ Records: [...] }, as AWS Lambda's SQS trigger
//   sends) and may return { batchItemFailures: [{ itemIdentifier: <messageId> }] }.
// - Fetch-style handlers get a CloudEvents 1.0 binary-mode `POST /`: ce-* headers describe the
//   batch (type "nimbus.queue.batch"), the JSON body is { messages: [...] } (see BatchMessage),
//   and the response may carry the same { batchItemFailures } JSON. A non-2xx status fails the
//   whole batch.
import { createHash, randomUUID } from "node:crypto";
import type { ReceivedMessage } from "../../store/queue-ports.ts";

export const QUEUE_BATCH_EVENT_TYPE = "nimbus.queue.batch";

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<
    Record<string, { stringValue: string; dataType: "String"; stringListValues: []; binaryListValues: [] }>
  >;
  readonly md5OfBody: string;
  readonly eventSource: "aws:sqs";
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

/** One message in the body of a fetch-style batch request. */
export interface BatchMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly receiveCount: number;
  readonly sentAt: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber: number;
}

export interface BatchRequest {
  /** The SQS event, JSON: what Lambda-style handlers and custom runtimes get. */
  readonly payload: Uint8Array;
  /** The CloudEvents binary-mode request fetch-style handlers get. */
  readonly fetchRequest: { readonly headers: [string, string][]; readonly body: Uint8Array };
}

export function queueArn(app: string, queue: string): string {
  return `arn:nimbus:sqs:local:${app}:${queue}`;
}

function sqsRecord(app: string, queue: string, message: ReceivedMessage): SqsRecord {
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt),
    SenderId: "nimbus",
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
  };
  if (message.groupId !== undefined) {
    attributes.MessageGroupId = message.groupId;
    attributes.SequenceNumber = String(message.sequenceNumber);
  }
  if (message.deduplicationId !== undefined) attributes.MessageDeduplicationId = message.deduplicationId;
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        { stringValue: value, dataType: "String", stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: createHash("md5").update(message.body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn(app, queue),
    awsRegion: "local",
  };
}

function batchMessage(message: ReceivedMessage): BatchMessage {
  return {
    id: message.messageId,
    body: message.body,
    attributes: message.attributes,
    receiveCount: message.receiveCount,
    sentAt: new Date(message.sentAt).toISOString(),
    ...(message.groupId === undefined ? {} : { groupId: message.groupId }),
    ...(message.deduplicationId === undefined ? {} : { deduplicationId: message.deduplicationId }),
    sequenceNumber: message.sequenceNumber,
  };
}

export function toBatchRequest(
  app: string,
  queue: string,
  messages: readonly ReceivedMessage[],
): BatchRequest {
  const payload = Buffer.from(JSON.stringify({ Records: messages.map((m) => sqsRecord(app, queue, m)) }));
  const headers: [string, string][] = [
    ["content-type", "application/json"],
    ["ce-specversion", "1.0"],
    ["ce-id", randomUUID()],
    ["ce-source", `/apps/${app}/queues/${queue}`],
    ["ce-type", QUEUE_BATCH_EVENT_TYPE],
    ["ce-subject", queue],
    ["ce-time", new Date().toISOString()],
    ["x-nimbus-invocation", "queue"],
  ];
  return {
    payload,
    fetchRequest: { headers, body: Buffer.from(JSON.stringify({ messages: messages.map(batchMessage) })) },
  };
}

/**
 * The ids of the messages that failed, from the function's answer. Anything malformed (an id
 * that is not in the batch, a failure without an id) fails the whole batch, as Lambda does.
 */
export function failedMessageIds(
  answer: { readonly status: number; readonly body: Uint8Array } | undefined,
  messages: readonly ReceivedMessage[],
): Set<string> {
  const all = new Set(messages.map((m) => m.messageId));
  if (!answer || answer.status < 200 || answer.status > 299) return all;
  const text = Buffer.from(answer.body).toString("utf8").trim();
  if (text === "") return new Set();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new Set(); // any other answer means: all processed
  }
  const failures = (parsed as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}
