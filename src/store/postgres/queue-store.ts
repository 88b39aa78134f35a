import type pg from "pg";
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
import { DB_NOW_MS, transaction } from "./database.ts";

// Standard queues: concurrent receivers on any node claim disjoint rows (FOR UPDATE SKIP
// LOCKED), so none waits for another and no message goes to two of them.
const READY_STANDARD = `SELECT ${QUEUE_SQL.columns} FROM queue_messages
  WHERE app = $1 AND queue = $2 AND visible_at <= $3
  ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED`;
// FIFO queues run under a per-queue advisory lock instead (see fifoLock): with SKIP LOCKED a
// second receiver could skip a group's locked head and take the message behind it.
const READY_FIFO = `SELECT ${QUEUE_SQL.columns} FROM queue_messages
  WHERE app = $1 AND queue = $2 AND visible_at <= $3 ${QUEUE_SQL.fifoGate("$3")}
  ORDER BY seq LIMIT $4 FOR UPDATE`;

async function dbNow(client: pg.PoolClient | pg.Pool): Promise<number> {
  const { rows } = await client.query<{ now: number }>(`SELECT ${DB_NOW_MS} AS now`);
  return (rows[0] as { now: number }).now;
}

/** Serializes sends and receives of one FIFO queue across nodes, so send order is delivery order. */
async function fifoLock(client: pg.PoolClient, ref: QueueRef): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `queue:${ref.app}/${ref.queue}`,
  ]);
}

export function createPostgresQueueStore(pool: pg.Pool): QueueStore {
  return {
    sendMessages(ref, messages, options) {
      return transaction(pool, async (client) => {
        if (options.fifo) await fifoLock(client, ref);
        const now = await dbNow(client);
        await client.query(
          "DELETE FROM queue_deduplication WHERE app = $1 AND queue = $2 AND expires_at <= $3",
          [ref.app, ref.queue, now],
        );
        const sent: SentMessage[] = [];
        for (const message of messages) {
          const dedup = message.deduplicationId ?? null;
          if (dedup !== null) {
            // Two senders of one id serialize on the key's row lock; the second sees the first.
            await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
              `queue-dedup:${ref.app}/${ref.queue}/${dedup}`,
            ]);
            const { rows } = await client.query<{ message_id: string; sequence_number: number }>(
              `SELECT message_id, sequence_number FROM queue_deduplication
               WHERE app = $1 AND queue = $2 AND deduplication_id = $3 AND expires_at > $4`,
              [ref.app, ref.queue, dedup, now],
            );
            const seen = rows[0];
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
          const { rows } = await client.query<{ seq: number }>(
            `INSERT INTO queue_messages
               (id, app, queue, body, attributes, group_id, deduplication_id, sent_at, visible_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
            [
              id,
              ref.app,
              ref.queue,
              message.body,
              JSON.stringify(message.attributes),
              message.groupId ?? null,
              dedup,
              now,
              now + message.delayMs,
              now + options.retentionMs,
            ],
          );
          const seq = (rows[0] as { seq: number }).seq;
          if (dedup !== null) {
            await client.query(
              `INSERT INTO queue_deduplication
                 (app, queue, deduplication_id, message_id, sequence_number, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (app, queue, deduplication_id) DO UPDATE SET
                 message_id = excluded.message_id, sequence_number = excluded.sequence_number,
                 expires_at = excluded.expires_at`,
              [ref.app, ref.queue, dedup, id, seq, now + options.deduplicationWindowMs],
            );
          }
          sent.push({ messageId: id, sequenceNumber: seq, duplicate: false });
        }
        return sent;
      });
    },

    receiveMessages(ref, options) {
      return transaction(pool, async (client) => {
        if (options.fifo) await fifoLock(client, ref);
        const now = await dbNow(client);
        await client.query("DELETE FROM queue_messages WHERE app = $1 AND queue = $2 AND expires_at <= $3", [
          ref.app,
          ref.queue,
          now,
        ]);
        const received: ReceivedMessage[] = [];
        for (let round = 0; round < 5 && received.length < options.maxMessages; round++) {
          const { rows } = await client.query<QueueMessageRow>(options.fifo ? READY_FIFO : READY_STANDARD, [
            ref.app,
            ref.queue,
            now,
            options.maxMessages - received.length,
          ]);
          if (rows.length === 0) break;
          let moved = 0;
          for (const row of rows) {
            const redrive = options.redrive;
            if (redrive && row.receive_count >= redrive.maxReceiveCount) {
              await client.query(
                `UPDATE queue_messages SET queue = $1, receive_count = 0, visible_at = $2,
                   receipt_handle = NULL, first_received_at = NULL, expires_at = $3
                 WHERE seq = $4`,
                [redrive.deadLetterQueue, now, now + redrive.deadLetterRetentionMs, row.seq],
              );
              moved++;
              continue;
            }
            const handle = newReceiptHandle(row.id);
            await client.query(
              `UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = $1,
                 receipt_handle = $2, first_received_at = COALESCE(first_received_at, $3)
               WHERE seq = $4`,
              [now + options.visibilityTimeoutMs, handle, now, row.seq],
            );
            received.push(toReceivedMessage(row, handle, now));
          }
          if (moved === 0) break;
        }
        return received;
      });
    },

    async deleteMessage(ref, receiptHandle) {
      const result = await pool.query(
        "DELETE FROM queue_messages WHERE app = $1 AND queue = $2 AND receipt_handle = $3",
        [ref.app, ref.queue, receiptHandle],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async deleteMessages(ref, receiptHandles) {
      const { rows } = await pool.query<{ receipt_handle: string }>(
        `DELETE FROM queue_messages WHERE app = $1 AND queue = $2 AND receipt_handle = ANY($3::text[])
         RETURNING receipt_handle`,
        [ref.app, ref.queue, receiptHandles],
      );
      const deleted = new Set(rows.map((row) => row.receipt_handle));
      return receiptHandles.filter((handle) => deleted.has(handle));
    },

    async changeVisibility(ref, receiptHandle, visibilityTimeoutMs) {
      const result = await pool.query(
        `UPDATE queue_messages SET visible_at = ${DB_NOW_MS} + $4
         WHERE app = $1 AND queue = $2 AND receipt_handle = $3 AND visible_at > ${DB_NOW_MS}`,
        [ref.app, ref.queue, receiptHandle, visibilityTimeoutMs],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async purge(ref) {
      const result = await pool.query("DELETE FROM queue_messages WHERE app = $1 AND queue = $2", [
        ref.app,
        ref.queue,
      ]);
      return result.rowCount ?? 0;
    },

    async stats(ref) {
      const now = await dbNow(pool);
      const { rows } = await pool.query<QueueStatsRow>(
        `SELECT
           COUNT(*) FILTER (WHERE visible_at <= $3) AS visible,
           COUNT(*) FILTER (WHERE visible_at > $3 AND receipt_handle IS NOT NULL) AS in_flight,
           COUNT(*) FILTER (WHERE visible_at > $3 AND receipt_handle IS NULL) AS delayed,
           MIN(sent_at) AS oldest
         FROM queue_messages WHERE app = $1 AND queue = $2 AND expires_at > $3`,
        [ref.app, ref.queue, now],
      );
      return toQueueStats(rows[0], now);
    },

    redrive(from, target, maxMessages) {
      return transaction(pool, async (client) => {
        const now = await dbNow(client);
        const result = await client.query(
          `UPDATE queue_messages SET queue = $3, receive_count = 0, visible_at = $4,
             receipt_handle = NULL, first_received_at = NULL, expires_at = $5
           WHERE seq IN (
             SELECT seq FROM queue_messages WHERE app = $1 AND queue = $2
             ORDER BY seq LIMIT $6 FOR UPDATE SKIP LOCKED)`,
          [from.app, from.queue, target.queue, now, now + target.retentionMs, maxMessages ?? null],
        );
        return result.rowCount ?? 0;
      });
    },
  };
}
