// Picks the adapter from configuration: the one place that knows both.
import { NimbusError } from "../core/errors.ts";
import type { Store } from "./ports.ts";
import { openSqliteStore } from "./sqlite/index.ts";

export interface OpenStoreOptions {
  /** Where the embedded store keeps its database file. */
  readonly dataDir: string;
  /** Empty or absent: SQLite in dataDir. A postgres:// or postgresql:// URL: PostgreSQL. */
  readonly url?: string;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.url?.trim();
  if (!url) return openSqliteStore(options.dataDir);
  if (!POSTGRES_URL.test(url)) {
    throw new NimbusError(
      "STORE_URL_INVALID",
      `The store URL ${describe(url)} is neither postgres:// nor postgresql://.`,
    );
  }
  if (!URL.canParse(url)) {
    throw new NimbusError(
      "STORE_URL_INVALID",
      `The store URL ${describe(url)} cannot be parsed; percent-encode special characters in the user and password.`,
    );
  }
  // Loaded only when asked for: the embedded default never loads the pg driver.
  const { openPostgresStore } = await import("./postgres/index.ts");
  return openPostgresStore(url);
}

/** The URL's scheme only: the rest may hold a password, and error messages reach logs. */
function describe(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  return scheme ? `(scheme "${scheme}:")` : "(not a URL)";
}
