// The app's queues from function code, with this function's rights: its permissions must allow
// the queues:* action on "queue/<name>" (SendMessage, ReceiveMessage, DeleteMessage, …).
import { currentApp, platformRequest } from "./platform-client.ts";

export interface QueueMessageInput {
  /** A string; objects are sent as JSON. At most 256 KB. */
  readonly body: string | object;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
  /** FIFO queues: required. */
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

export interface SentQueueMessage {
  readonly messageId: string;
  readonly sequenceNumber: number;
  /** True when the deduplication id was seen within 5 minutes: nothing new was stored. */
  readonly duplicate: boolean;
}

export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly groupId?: string;
  readonly receiveCount: number;
  readonly sentAt: number;
}

function path(queue: string, rest: string): string {
  return `/apps/${encodeURIComponent(currentApp())}/queues/${encodeURIComponent(queue)}${rest}`;
}

function wire(message: QueueMessageInput) {
  return { ...message, body: typeof message.body === "string" ? message.body : JSON.stringify(message.body) };
}

export const queues = {
  /** Resolves once the message is stored durably. */
  async send(queue: string, message: QueueMessageInput | string): Promise<SentQueueMessage> {
    return platformRequest<SentQueueMessage>(
      "POST",
      path(queue, "/messages"),
      wire(typeof message === "string" ? { body: message } : message),
    );
  },

  /** Up to 10 messages in one transaction: all stored, or none. */
  async sendBatch(queue: string, messages: readonly QueueMessageInput[]): Promise<SentQueueMessage[]> {
    const { messages: sent } = await platformRequest<{ messages: SentQueueMessage[] }>(
      "POST",
      path(queue, "/messages"),
      { entries: messages.map(wire) },
    );
    return sent;
  },

  async receive(
    queue: string,
    options: { maxMessages?: number; waitTimeMs?: number; visibilityTimeoutMs?: number } = {},
  ): Promise<QueueMessage[]> {
    const { messages } = await platformRequest<{ messages: QueueMessage[] }>(
      "POST",
      path(queue, "/receive"),
      options,
    );
    return messages;
  },

  async delete(queue: string, receiptHandle: string): Promise<void> {
    await platformRequest("DELETE", path(queue, `/messages/${encodeURIComponent(receiptHandle)}`));
  },
};
