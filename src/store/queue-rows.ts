// Row shapes and conversions both queue adapters share, so they return identical values.
import { randomBytes, randomUUID } from "node:crypto";
import type { QueueStats, ReceivedMessage } from "./queue-ports.ts";

export interface QueueMessageRow {
  seq: number;
  id: string;
  body: string;
  attributes: string;
  group_id: string | null;
  deduplication_id: string | null;
  sent_at: number;
  receive_count: number;
  first_received_at: number | null;
}

export interface QueueStatsRow {
  visible: number | null;
  in_flight: number | null;
  delayed: number | null;
  oldest: number | null;
}

export function newMessageId(): string {
  return randomUUID();
}

/** Unguessable: whoever holds it may delete the message. */
export function newReceiptHandle(messageId: string): string {
  return `${messageId}.${randomBytes(18).toString("base64url")}`;
}

/** The row as it is after this receive (count incremented, handle and first receive set). */
export function toReceivedMessage(row: QueueMessageRow, receiptHandle: string, now: number): ReceivedMessage {
  return {
    messageId: row.id,
    receiptHandle,
    body: row.body,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    groupId: row.group_id ?? undefined,
    deduplicationId: row.deduplication_id ?? undefined,
    sequenceNumber: Number(row.seq),
    sentAt: Number(row.sent_at),
    firstReceivedAt: row.first_received_at === null ? now : Number(row.first_received_at),
    receiveCount: Number(row.receive_count) + 1,
  };
}

export function toQueueStats(row: QueueStatsRow | undefined, now: number): QueueStats {
  return {
    visible: Number(row?.visible ?? 0),
    inFlight: Number(row?.in_flight ?? 0),
    delayed: Number(row?.delayed ?? 0),
    oldestAgeMs: row?.oldest === null || row?.oldest === undefined ? undefined : now - Number(row.oldest),
  };
}

/** SQL text both dialects accept; `now` is the adapter's placeholder for the current time. */
export const QUEUE_SQL = {
  columns: "seq, id, body, attributes, group_id, deduplication_id, sent_at, receive_count, first_received_at",
  // A FIFO group is blocked while an earlier message of it is invisible (in flight or delayed):
  // delivering a later one then would break the group's order.
  fifoGate: (now: string) => `AND NOT EXISTS (
      SELECT 1 FROM queue_messages earlier
      WHERE earlier.app = queue_messages.app AND earlier.queue = queue_messages.queue
        AND earlier.group_id = queue_messages.group_id AND earlier.seq < queue_messages.seq
        AND earlier.visible_at > ${now})`,
} as const;
