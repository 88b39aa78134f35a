import type { DatabaseSync } from "node:sqlite";
import type { ScheduleState, ScheduleStore } from "../schedule-ports.ts";

interface ScheduleRow {
  app: string;
  name: string;
  anchor_at: number;
  last_fire_at: number;
}

function toState(row: ScheduleRow): ScheduleState {
  return {
    app: row.app,
    name: row.name,
    anchorAt: Number(row.anchor_at),
    lastFireAt: Number(row.last_fire_at),
  };
}

export function createSqliteScheduleStore(db: DatabaseSync): ScheduleStore {
  const ensure = db.prepare(
    `INSERT INTO schedule_state (app, name, anchor_at, last_fire_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (app, name) DO NOTHING`,
  );
  const select = db.prepare("SELECT * FROM schedule_state WHERE app = ? AND name = ?");
  const record = db.prepare(
    "UPDATE schedule_state SET last_fire_at = MAX(last_fire_at, ?) WHERE app = ? AND name = ?",
  );
  const list = db.prepare("SELECT * FROM schedule_state WHERE app = ? ORDER BY name");
  return {
    async ensureState(app, name, nowMs) {
      ensure.run(app, name, nowMs, nowMs);
      return toState(select.get(app, name) as unknown as ScheduleRow);
    },
    async recordFire(app, name, fireAt) {
      record.run(fireAt, app, name);
    },
    async listStates(app) {
      return (list.all(app) as unknown as ScheduleRow[]).map(toState);
    },
  };
}
