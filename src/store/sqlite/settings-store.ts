import type { DatabaseSync } from "node:sqlite";
import type { SettingsStore } from "../ports.ts";

export function createSqliteSettingsStore(db: DatabaseSync): SettingsStore {
  const select = db.prepare("SELECT value FROM settings WHERE key = ?");
  const upsert = db.prepare(
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  return {
    async getSetting(key) {
      return (select.get(key) as { value: string } | undefined)?.value;
    },
    async setSetting(key, value) {
      upsert.run(key, value);
    },
  };
}
