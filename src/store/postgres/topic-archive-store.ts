import type pg from "pg";
import type { ArchivedEvent, TopicArchiveStore } from "../topic-archive-ports.ts";
import { DB_NOW_MS, transaction } from "./database.ts";

interface ArchiveRow {
  seq: number;
  event_id: string;
  event_time: number;
  event: string;
}

function toArchived(row: ArchiveRow): ArchivedEvent {
  return { seq: Number(row.seq), eventId: row.event_id, eventTime: Number(row.event_time), event: row.event };
}

export function createPostgresTopicArchiveStore(pool: pg.Pool): TopicArchiveStore {
  return {
    async archive(app, topic, event, expiresAt) {
      await transaction(pool, async (client) => {
        await client.query(
          `DELETE FROM topic_archive WHERE app = $1 AND topic = $2 AND expires_at <= ${DB_NOW_MS}`,
          [app, topic],
        );
        await client.query(
          "INSERT INTO topic_archive (app, topic, event_id, event_time, event, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
          [app, topic, event.eventId, event.eventTime, event.event, expiresAt],
        );
      });
    },
    async range(app, topic, query) {
      const { rows } = await pool.query<ArchiveRow>(
        `SELECT seq, event_id, event_time, event FROM topic_archive
         WHERE app = $1 AND topic = $2 AND event_time >= $3 AND event_time < $4 AND seq > $5
           AND expires_at > ${DB_NOW_MS}
         ORDER BY seq LIMIT $6`,
        [app, topic, query.fromMs, query.toMs, query.afterSeq, query.limit],
      );
      return rows.map(toArchived);
    },
  };
}
