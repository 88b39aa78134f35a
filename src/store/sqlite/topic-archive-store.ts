import type { DatabaseSync } from "node:sqlite";
import type { ArchivedEvent, TopicArchiveStore } from "../topic-archive-ports.ts";
import { transaction } from "./database.ts";

interface ArchiveRow {
  seq: number;
  event_id: string;
  event_time: number;
  event: string;
}

function toArchived(row: ArchiveRow): ArchivedEvent {
  return { seq: Number(row.seq), eventId: row.event_id, eventTime: Number(row.event_time), event: row.event };
}

export function createSqliteTopicArchiveStore(db: DatabaseSync): TopicArchiveStore {
  const insert = db.prepare(
    "INSERT INTO topic_archive (app, topic, event_id, event_time, event, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const prune = db.prepare("DELETE FROM topic_archive WHERE app = ? AND topic = ? AND expires_at <= ?");
  const range = db.prepare(
    `SELECT seq, event_id, event_time, event FROM topic_archive
     WHERE app = ? AND topic = ? AND event_time >= ? AND event_time < ? AND seq > ? AND expires_at > ?
     ORDER BY seq LIMIT ?`,
  );
  return {
    async archive(app, topic, event, expiresAt) {
      transaction(db, () => {
        prune.run(app, topic, Date.now());
        insert.run(app, topic, event.eventId, event.eventTime, event.event, expiresAt);
      });
    },
    async range(app, topic, query) {
      const rows = range.all(
        app,
        topic,
        query.fromMs,
        query.toMs,
        query.afterSeq,
        Date.now(),
        query.limit,
      ) as unknown as ArchiveRow[];
      return rows.map(toArchived);
    },
  };
}
