import type pg from "pg";
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

export function createPostgresScheduleStore(pool: pg.Pool): ScheduleStore {
  return {
    async ensureState(app, name, nowMs) {
      await pool.query(
        `INSERT INTO schedule_state (app, name, anchor_at, last_fire_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (app, name) DO NOTHING`,
        [app, name, nowMs],
      );
      const { rows } = await pool.query<ScheduleRow>(
        "SELECT * FROM schedule_state WHERE app = $1 AND name = $2",
        [app, name],
      );
      return toState(rows[0] as ScheduleRow);
    },
    async recordFire(app, name, fireAt) {
      await pool.query(
        "UPDATE schedule_state SET last_fire_at = GREATEST(last_fire_at, $1) WHERE app = $2 AND name = $3",
        [fireAt, app, name],
      );
    },
    async listStates(app) {
      const { rows } = await pool.query<ScheduleRow>(
        'SELECT * FROM schedule_state WHERE app = $1 ORDER BY name COLLATE "C"',
        [app],
      );
      return rows.map(toState);
    },
  };
}
