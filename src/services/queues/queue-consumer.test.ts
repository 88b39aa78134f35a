// The consumer's limits against a real SQLite store: maxConcurrency caps the batches in flight,
// and a batching window gathers messages that arrive after the first into one fuller batch.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { waitFor } from "../../store/conformance/support.ts";
import type { Store } from "../../store/ports.ts";
import { openSqliteStore } from "../../store/sqlite/index.ts";
import { QueueConsumer } from "./queue-consumer.ts";
import { QueueWakeups } from "./queue-wakeups.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-consumer-"));
after(() => rmSync(root, { recursive: true, force: true }));

const ref = { app: "shop", queue: "jobs" };
const SEND = { retentionMs: 60_000, deduplicationWindowMs: 60_000, fifo: false };

function message(body: string) {
  return { body, attributes: {}, delayMs: 0, groupId: undefined, deduplicationId: undefined };
}

async function withConsumer(
  trigger: { batchSize: number; maximumBatchingWindowMs: number; maxConcurrency: number },
  invoke: (bodies: string[]) => Promise<void>,
  work: (store: Store, wakeups: QueueWakeups) => Promise<void>,
): Promise<void> {
  const store = openSqliteStore(mkdtempSync(join(root, "db-")));
  const wakeups = new QueueWakeups(store.changes);
  await wakeups.start();
  const consumer = new QueueConsumer({
    app: ref.app,
    functionName: "worker",
    trigger: { queue: ref.queue, ...trigger },
    store: store.queues,
    wakeups,
    receiveOptions: (maxMessages) => ({
      config: {
        name: "jobs",
        visibilityTimeoutMs: 30_000,
        retentionMs: 60_000,
        delayMs: 0,
        fifo: false,
        contentBasedDeduplication: false,
        deadLetter: undefined,
      },
      options: { maxMessages, visibilityTimeoutMs: 30_000, fifo: false, redrive: undefined },
    }),
    invoke: async (request) => {
      const { Records } = JSON.parse(
        Buffer.from(request.kind === "direct" ? request.payload : []).toString(),
      ) as {
        Records: { body: string }[];
      };
      await invoke(Records.map((record) => record.body));
      return { response: { status: 200, headers: [], body: new Uint8Array() }, failed: false };
    },
    onError: (error) => assert.fail(String(error)),
  });
  consumer.start();
  try {
    await work(store, wakeups);
  } finally {
    await wakeups.stop();
    await consumer.stop();
    await store.close();
  }
}

describe("queue consumer", () => {
  it("keeps at most maxConcurrency batches in flight, and deletes what was processed", async () => {
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    await withConsumer(
      { batchSize: 2, maximumBatchingWindowMs: 0, maxConcurrency: 3 },
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
      },
      async (store, wakeups) => {
        await store.queues.sendMessages(
          ref,
          Array.from({ length: 10 }, (_, i) => message(`m${i}`)),
          SEND,
        );
        await wakeups.announce(ref);
        await waitFor(() => running === 3, "three batches in flight");
        assert.equal((await store.queues.stats(ref)).visible, 4, "the rest waits in the queue");
        await waitFor(async () => {
          release.shift()?.();
          const stats = await store.queues.stats(ref);
          return stats.visible + stats.inFlight === 0;
        }, "every message processed and deleted");
        assert.equal(most, 3);
      },
    );
  });

  it("gathers messages that arrive within the batching window into one batch", async () => {
    const batches: string[][] = [];
    await withConsumer(
      { batchSize: 3, maximumBatchingWindowMs: 10_000, maxConcurrency: 1 },
      async (bodies) => {
        batches.push(bodies);
      },
      async (store, wakeups) => {
        await store.queues.sendMessages(ref, [message("first")], SEND);
        await wakeups.announce(ref);
        await waitFor(
          async () => (await store.queues.stats(ref)).inFlight === 1,
          "the first message received",
        );
        await store.queues.sendMessages(ref, [message("second"), message("third")], SEND);
        await wakeups.announce(ref);
        // A full batch goes at once, long before the 10 s window ends.
        await waitFor(() => batches.length === 1, "one batch");
        assert.deepEqual(batches[0], ["first", "second", "third"]);
      },
    );
  });
});
