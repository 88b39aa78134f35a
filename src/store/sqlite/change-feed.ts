import { assertChannel, assertPayload } from "../change-feed-limits.ts";
import { createListenerRegistry } from "../listener-registry.ts";
import type { ChangeFeed } from "../ports.ts";

export interface SqliteChangeFeed extends ChangeFeed {
  close(): void;
}

/** The embedded store serves one process, so its change feed is an in-process emitter. */
export function createSqliteChangeFeed(): SqliteChangeFeed {
  const registry = createListenerRegistry();
  return {
    async publish(channel, payload) {
      assertChannel(channel);
      assertPayload(payload);
      registry.deliver(channel, payload);
    },
    async subscribe(channel, listener) {
      assertChannel(channel);
      const remove = registry.add(channel, listener);
      return async () => {
        remove();
      };
    },
    close() {
      registry.clear();
    },
  };
}
