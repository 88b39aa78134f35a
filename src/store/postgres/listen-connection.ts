// LISTEN belongs to a session, so the change feed keeps one dedicated client outside the
// pool. If that connection drops, it reconnects with backoff and listens again to every
// channel that has listeners. Notifications sent while it was down are lost: the feed is
// a hint to re-read the store, not a log.
import pg from "pg";
import type { ListenerRegistry } from "../listener-registry.ts";

export interface ListenConnectionOptions {
  /** First wait before reconnecting; doubles per failed attempt up to maxReconnectDelayMs. */
  readonly minReconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

export interface ListenConnection {
  /** Makes the session listen to `channel` exactly when the registry has listeners for it. */
  sync(channel: string): Promise<void>;
  close(): Promise<void>;
}

/** The application_name of the listening session, as seen in pg_stat_activity. */
export const LISTEN_APPLICATION_NAME = "nimbus-change-feed";

const CONNECT_TIMEOUT_MS = 10_000;

export function createListenConnection(
  url: string,
  registry: ListenerRegistry,
  options: ListenConnectionOptions = {},
): ListenConnection {
  const minDelayMs = options.minReconnectDelayMs ?? 100;
  const maxDelayMs = options.maxReconnectDelayMs ?? 5_000;
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelayMs = minDelayMs;
  let closed = false;

  const statementFor = (channel: string) =>
    `${registry.has(channel) ? "LISTEN" : "UNLISTEN"} ${pg.escapeIdentifier(channel)}`;

  async function open(): Promise<pg.Client> {
    const next = new pg.Client({
      connectionString: url,
      application_name: LISTEN_APPLICATION_NAME,
      // Bounded, so a reconnect to an unreachable server fails and retries, and close() never waits long.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    next.on("notification", (message) => registry.deliver(message.channel, message.payload ?? ""));
    // A dropped socket emits "error" (unhandled, it would crash the process) and then "end".
    next.on("error", () => dropped(next));
    next.on("end", () => dropped(next));
    try {
      await next.connect();
      for (const channel of registry.channels()) await next.query(statementFor(channel));
      if (closed) throw new Error("The change feed was closed while it connected.");
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    client = next;
    retryDelayMs = minDelayMs;
    return next;
  }

  function connect(): Promise<pg.Client> {
    connecting ??= open().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  function dropped(which: pg.Client): void {
    if (client !== which) return; // a failed attempt, or a drop already handled
    client = undefined;
    which.end().catch(() => {});
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || retryTimer || registry.channels().length === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch(() => {
        retryDelayMs = Math.min(retryDelayMs * 2, maxDelayMs);
        scheduleReconnect();
      });
    }, retryDelayMs);
  }

  return {
    async sync(channel) {
      if (closed) throw new Error("The change feed is closed.");
      if (client) {
        // Issued at once, in the order of registry changes; the client runs queries in order,
        // so the last statement the server sees matches the registry's latest state.
        await client.query(statementFor(channel));
        return;
      }
      // Not connected: connecting listens to every registered channel.
      if (!registry.has(channel)) return;
      try {
        const connected = await connect();
        await connected.query(statementFor(channel));
      } catch (error) {
        scheduleReconnect();
        throw error;
      }
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const current = client;
      client = undefined;
      await connecting?.catch(() => {});
      await current?.end();
    },
  };
}
