import type pg from "pg";
import type { SettingsStore } from "../ports.ts";

export function createPostgresSettingsStore(pool: pg.Pool): SettingsStore {
  return {
    async getSetting(key) {
      const { rows } = await pool.query<{ value: string }>("SELECT value FROM settings WHERE key = $1", [
        key,
      ]);
      return rows[0]?.value;
    },
    async setSetting(key, value) {
      await pool.query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
      );
    },
  };
}
