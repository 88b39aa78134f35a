import type { DatabaseSync } from "node:sqlite";
import type { QueueRef, QueueStore, ReceivedMessage, SentMessage } from "../queue-ports.ts";
import {
  newMessageId,
  newReceiptHandle,
  QUEUE_SQL,
  type QueueMessageRow,
  type QueueStatsRow,
  toQueueStats,
  toReceivedMessage,
} from "../queue-rows.ts";
import { transaction } from "./database.ts";

/**
 * One process owns the database file and SQLite has one writer (BEGIN IMMEDIATE), so a
 * receive's select-then-update cannot interleave with another: no message is claimed twice.
 */
export function createSqliteQueueStore(db: DatabaseSync): QueueStore {
  const findDuplicate = db.prepare(
    `SELECT message_id, sequence_number FROM queue_deduplication
     WHERE app = :app AND queue = :queue AND deduplication_id = :dedup AND expires_at > :now`,
  );
  const rememberDeduplication = db.prepare(
    `INSERT INTO queue_deduplication (app, queue, deduplication_id, message_id, sequence_number, expires_at)
     VALUES (:app, :queue, :dedup, :id, :seq, :expires)
     ON CONFLICT (app, queue, deduplication_id) DO UPDATE SET
       message_id = excluded.message_id, sequence_number = excluded.sequence_number,
       expires_at = excluded.expires_at`,
  );
  const forgetDeduplication = db.prepare(
    "DELETE FROM queue_deduplication WHERE app = :app AND queue = :queue AND expires_at <= :now",
  );
  const insert = db.prepare(
    `INSERT INTO queue_messages
       (id, app, queue, body, attributes, group_id, deduplication_id, sent_at, visible_at, expires_at)
     VALUES (:id, :app, :queue, :body, :attributes, :group, :dedup, :now, :visible, :expires)
     RETURNING seq`,
  );
  const dropExpired = db.prepare(
    "DELETE FROM queue_messages WHERE app = :app AND queue = :queue AND expires_at <= :now",
  );
  const selectReady = (fifo: boolean) =>
    db.prepare(
      `SELECT ${QUEUE_SQL.columns} FROM queue_messages
       WHERE app = :app AND queue = :queue AND visible_at <= :now ${fifo ? QUEUE_SQL.fifoGate(":now") : ""}
       ORDER BY seq LIMIT :limit`,
    );
  const readyStandard = selectReady(false);
  const readyFifo = selectReady(true);
  const claim = db.prepare(
    `UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = :visible,
       receipt_handle = :handle, first_received_at = COALESCE(first_received_at, :now)
     WHERE seq = :seq`,
  );
  const moveToDeadLetter = db.prepare(
    `UPDATE queue_messages SET queue = :target, receive_count = 0, visible_at = :now,
       receipt_handle = NULL, first_received_at = NULL, expires_at = :expires
     WHERE seq = :seq`,
  );
  const deleteByHandle = db.prepare(
    "DELETE FROM queue_messages WHERE app = :app AND queue = :queue AND receipt_handle = :handle",
  );
  const changeVisibility = db.prepare(
    `UPDATE queue_messages SET visible_at = :visible
     WHERE app = :app AND queue = :queue AND receipt_handle = :handle AND visible_at > :now`,
  );
  const purge = db.prepare("DELETE FROM queue_messages WHERE app = :app AND queue = :queue");
  const stats = db.prepare(
    `SELECT
       SUM(CASE WHEN visible_at <= :now THEN 1 ELSE 0 END) AS visible,
       SUM(CASE WHEN visible_at > :now AND receipt_handle IS NOT NULL THEN 1 ELSE 0 END) AS in_flight,
       SUM(CASE WHEN visible_at > :now AND receipt_handle IS NULL THEN 1 ELSE 0 END) AS delayed,
       MIN(sent_at) AS oldest
     FROM queue_messages WHERE app = :app AND queue = :queue AND expires_at > :now`,
  );
  const selectForRedrive = db.prepare(
    "SELECT seq FROM queue_messages WHERE app = :app AND queue = :queue ORDER BY seq LIMIT :limit",
  );
  const redriveOne = db.prepare(
    `UPDATE queue_messages SET queue = :target, receive_count = 0, visible_at = :now,
       receipt_handle = NULL, first_received_at = NULL, expires_at = :expires
     WHERE seq = :seq`,
  );

  return {
    async sendMessages(ref, messages, options) {
      return transaction(db, () => {
        const now = Date.now();
        const key = { app: ref.app, queue: ref.queue };
        forgetDeduplication.run({ ...key, now });
        const sent: SentMessage[] = [];
        for (const message of messages) {
          const dedup = message.deduplicationId ?? null;
          if (dedup !== null) {
            const seen = findDuplicate.get({ ...key, dedup, now }) as
              | { message_id: string; sequence_number: number }
              | undefined;
            if (seen) {
              sent.push({
                messageId: seen.message_id,
                sequenceNumber: seen.sequence_number,
                duplicate: true,
              });
              continue;
            }
          }
          const id = newMessageId();
          const { seq } = insert.get({
            ...key,
            id,
            body: message.body,
            attributes: JSON.stringify(message.attributes),
            group: message.groupId ?? null,
            dedup,
            now,
            visible: now + message.delayMs,
            expires: now + options.retentionMs,
          }) as { seq: number };
          if (dedup !== null) {
            rememberDeduplication.run({
              ...key,
              dedup,
              id,
              seq,
              expires: now + options.deduplicationWindowMs,
            });
          }
          sent.push({ messageId: id, sequenceNumber: seq, duplicate: false });
        }
        return sent;
      });
    },

    async receiveMessages(ref, options) {
      return transaction(db, () => {
        const now = Date.now();
        const key = { app: ref.app, queue: ref.queue };
        dropExpired.run({ ...key, now });
        const ready = options.fifo ? readyFifo : readyStandard;
        const received: ReceivedMessage[] = [];
        // Messages moved to the dead-letter queue leave room: look again, a few times at most.
        for (let round = 0; round < 5 && received.length < options.maxMessages; round++) {
          const rows = ready.all({
            ...key,
            now,
            limit: options.maxMessages - received.length,
          }) as unknown as QueueMessageRow[];
          if (rows.length === 0) break;
          let moved = 0;
          for (const row of rows) {
            const redrive = options.redrive;
            if (redrive && row.receive_count >= redrive.maxReceiveCount) {
              moveToDeadLetter.run({
                target: redrive.deadLetterQueue,
                now,
                expires: now + redrive.deadLetterRetentionMs,
                seq: row.seq,
              });
              moved++;
              continue;
            }
            const handle = newReceiptHandle(row.id);
            claim.run({ visible: now + options.visibilityTimeoutMs, handle, now, seq: row.seq });
            received.push(toReceivedMessage(row, handle, now));
          }
          if (moved === 0) break;
        }
        return received;
      });
    },

    async deleteMessage(ref, receiptHandle) {
      return (
        Number(deleteByHandle.run({ app: ref.app, queue: ref.queue, handle: receiptHandle }).changes) > 0
      );
    },

    async deleteMessages(ref, receiptHandles) {
      return transaction(db, () =>
        receiptHandles.filter(
          (handle) => Number(deleteByHandle.run({ app: ref.app, queue: ref.queue, handle }).changes) > 0,
        ),
      );
    },

    async changeVisibility(ref, receiptHandle, visibilityTimeoutMs) {
      const now = Date.now();
      const result = changeVisibility.run({
        app: ref.app,
        queue: ref.queue,
        handle: receiptHandle,
        now,
        visible: now + visibilityTimeoutMs,
      });
      return Number(result.changes) > 0;
    },

    async purge(ref) {
      return Number(purge.run({ app: ref.app, queue: ref.queue }).changes);
    },

    async stats(ref) {
      const now = Date.now();
      const row = stats.get({ app: ref.app, queue: ref.queue, now }) as QueueStatsRow | undefined;
      return toQueueStats(row, now);
    },

    async redrive(from: QueueRef, target, maxMessages) {
      return transaction(db, () => {
        const now = Date.now();
        const rows = selectForRedrive.all({
          app: from.app,
          queue: from.queue,
          limit: maxMessages ?? -1,
        }) as unknown as { seq: number }[];
        for (const row of rows) {
          redriveOne.run({ target: target.queue, now, expires: now + target.retentionMs, seq: row.seq });
        }
        return rows.length;
      });
    },
  };
}
