// Eventing benchmarks (issue 4): durable queue throughput (send + receive + delete, batched and
// unbatched) next to a raw node:sqlite insert+delete baseline measured in the same run, and the
// latency from a topic publish to the start of the subscribed function.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { openSqliteStore } from "../src/store/sqlite/index.ts";
import { startTestPlatform } from "../src/testing/index.ts";
import { percentile } from "./store-ports.ts";

const MESSAGES = 5_000;
const LATENCY_EVENTS = 200;
const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-eventing-"));
const body = JSON.stringify({ order: 42, sku: "book", note: "a small message, as most are" });

function perSecond(count: number, startedAt: number): number {
  return Math.round(count / ((performance.now() - startedAt) / 1000));
}

function rawSqlite(batch: number): number {
  const db = new DatabaseSync(join(scratch, `raw-${batch}.db`));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec("CREATE TABLE m (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO m (body) VALUES (?) RETURNING seq");
  const remove = db.prepare("DELETE FROM m WHERE seq = ?");
  const started = performance.now();
  for (let done = 0; done < MESSAGES; done += batch) {
    db.exec("BEGIN IMMEDIATE");
    const ids = Array.from({ length: batch }, () => (insert.get(body) as { seq: number }).seq);
    db.exec("COMMIT");
    db.exec("BEGIN IMMEDIATE");
    for (const id of ids) remove.run(id);
    db.exec("COMMIT");
  }
  const rate = perSecond(MESSAGES, started);
  db.close();
  return rate;
}

async function queueStore(batch: number): Promise<number> {
  const store = openSqliteStore(join(scratch, `queue-${batch}`));
  const ref = { app: "bench", queue: "jobs" };
  const message = { body, attributes: {}, delayMs: 0, groupId: undefined, deduplicationId: undefined };
  const send = { retentionMs: 3_600_000, deduplicationWindowMs: 300_000, fifo: false };
  const receive = { maxMessages: batch, visibilityTimeoutMs: 30_000, fifo: false, redrive: undefined };
  const started = performance.now();
  for (let done = 0; done < MESSAGES; done += batch) {
    await store.queues.sendMessages(
      ref,
      Array.from({ length: batch }, () => message),
      send,
    );
    const received = await store.queues.receiveMessages(ref, receive);
    if (batch === 1) await store.queues.deleteMessage(ref, received[0]?.receiptHandle as string);
    else
      await store.queues.deleteMessages(
        ref,
        received.map((m) => m.receiptHandle),
      );
  }
  const rate = perSecond(MESSAGES, started);
  await store.close();
  return rate;
}

async function publishToStart(): Promise<{ p50: number; p99: number }> {
  const appDir = fileURLToPath(new URL("./apps/eventing/", import.meta.url));
  const nimbus = await startTestPlatform({ appDir });
  try {
    const publish = (index: number) =>
      nimbus.admin("/apps/eventbench/topics/ticks/events", {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify({
          specversion: "1.0",
          id: `tick-${index}`,
          source: "/bench",
          type: "bench.tick",
          data: { publishedAt: Date.now() },
        }),
      });
    /** Waits for the next report of a started function and returns its latency. */
    const nextLatency = async (): Promise<number> => {
      for (;;) {
        const response = await nimbus.admin("/apps/eventbench/queues/started/receive", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ maxMessages: 1, waitTimeMs: 5_000 }),
        });
        const { messages } = (await response.json()) as {
          messages: { body: string; receiptHandle: string }[];
        };
        const [message] = messages;
        if (!message) continue;
        await nimbus.admin(
          `/apps/eventbench/queues/started/messages/${encodeURIComponent(message.receiptHandle)}`,
          {
            method: "DELETE",
          },
        );
        const { publishedAt, startedAt } = JSON.parse(message.body) as {
          publishedAt: number;
          startedAt: number;
        };
        return startedAt - publishedAt;
      }
    };
    await (await publish(-1)).arrayBuffer(); // warms the instance; its latency is not counted
    await nextLatency();
    const latencies: number[] = [];
    for (let index = 0; index < LATENCY_EVENTS; index++) {
      // One at a time, so each latency is an otherwise idle system's.
      await (await publish(index)).arrayBuffer();
      latencies.push(await nextLatency());
    }
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await nimbus.stop();
  }
}

try {
  const rows = [
    ["raw node:sqlite insert+delete, 1 per transaction", rawSqlite(1)],
    ["raw node:sqlite insert+delete, 10 per transaction", rawSqlite(10)],
    ["queue send + receive + delete, unbatched", await queueStore(1)],
    ["queue send + receive + delete, batches of 10", await queueStore(10)],
  ] as const;
  console.log(`\nDurable queue throughput (SQLite, ${MESSAGES} messages, one caller)\n`);
  console.log("| operation | messages/s |\n|---|---|");
  for (const [name, rate] of rows) console.log(`| ${name} | ${rate.toLocaleString("en-US")} |`);
  const latency = await publishToStart();
  console.log(`\nTopic publish → function start (${LATENCY_EVENTS} events, one at a time)\n`);
  console.log(`| p50 | p99 |\n|---|---|\n| ${latency.p50} ms | ${latency.p99} ms |`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
