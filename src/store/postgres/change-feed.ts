import type pg from "pg";
import { assertChannel, assertPayload } from "../change-feed-limits.ts";
import { createListenerRegistry } from "../listener-registry.ts";
import type { ChangeFeed } from "../ports.ts";
import { createListenConnection, type ListenConnectionOptions } from "./listen-connection.ts";

export interface PostgresChangeFeed extends ChangeFeed {
  close(): Promise<void>;
}

/** NOTIFY through the pool, LISTEN on one dedicated session per store: every node hears every node. */
export function createPostgresChangeFeed(
  pool: pg.Pool,
  url: string,
  options: ListenConnectionOptions = {},
): PostgresChangeFeed {
  const registry = createListenerRegistry();
  const connection = createListenConnection(url, registry, options);
  return {
    async publish(channel, payload) {
      assertChannel(channel);
      assertPayload(payload);
      // pg_notify takes the channel as a value, so any name works without quoting.
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async subscribe(channel, listener) {
      assertChannel(channel);
      const remove = registry.add(channel, listener);
      try {
        await connection.sync(channel);
      } catch (error) {
        remove();
        throw error;
      }
      return async () => {
        if (!remove()) return;
        // Failing to UNLISTEN is harmless: nobody is registered, so nothing is delivered,
        // and a reconnected session listens only to registered channels.
        await connection.sync(channel).catch(() => {});
      };
    },
    async close() {
      registry.clear();
      await connection.close();
    },
  };
}
