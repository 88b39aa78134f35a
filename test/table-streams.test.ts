// Table change events through the real server: functions with `events: - table:` get
// DynamoDB-Streams-shaped records of inserts, modifications and removals (puts, updates,
// deletes, transactions, batch writes), in commit order, in batches; writes that change
// nothing or fail make no record; a failing batch is retried, then dead-lettered, and blocks
// later records until then; and acknowledged writes keep their events across a kill -9.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES, waitFor } from "./helpers.ts";

const APP_DIR = join(FIXTURES, "table-streams");

interface Seen {
  fn: string;
  batchSize: number;
  eventID: string;
  eventName: string;
  eventSource: string;
  eventSourceARN: string;
  userIdentity?: unknown;
  dynamodb: {
    Keys: { id: { S: string } };
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber: string;
    StreamViewType: string;
  };
}

type Call = (method: string, path: string, body?: unknown) => Promise<Response>;

/** Receives and deletes every message of a queue of the "streams" app, in order. */
async function drain(call: Call, queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const response = await call("POST", `queues/${queue}/receive`, { maxMessages: 10 });
    assert.equal(response.status, 200, await response.clone().text());
    const { messages } = (await response.json()) as { messages: { body: string; receiptHandle: string }[] };
    if (messages.length === 0) return bodies;
    bodies.push(...messages.map((message) => message.body));
    await call("POST", `queues/${queue}/messages/delete`, {
      receiptHandles: messages.map((message) => message.receiptHandle),
    });
  }
}

function seenLog(call: Call) {
  const seen: Seen[] = [];
  return {
    seen,
    /** Polls the "seen" queue until `fn` reported `count` records; returns those. */
    async until(fn: string, count: number, timeoutMs = 20_000): Promise<Seen[]> {
      const mine = () => seen.filter((record) => record.fn === fn);
      await waitFor(
        async () => {
          seen.push(...(await drain(call, "seen")).map((body) => JSON.parse(body) as Seen));
          return mine().length >= count;
        },
        `${count} records reported by ${fn}`,
        timeoutMs,
      );
      return mine();
    },
  };
}

const summary = (records: Seen[]) =>
  records.map((record) => `${record.eventName} ${record.dynamodb.Keys.id.S}`);

describe("table change events", () => {
  let nimbus: TestPlatform;
  let call: Call;
  let log: ReturnType<typeof seenLog>;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: APP_DIR, options: { asyncRetryBaseDelayMs: 20 } });
    call = (method, path, body) =>
      nimbus.admin(`/apps/streams/${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    log = seenLog(call);
  });
  after(() => nimbus?.stop());

  async function ok(method: string, path: string, body: unknown, status = 200): Promise<void> {
    const response = await call(method, path, body);
    assert.equal(response.status, status, `${path}: ${await response.text()}`);
  }

  it("delivers every kind of write in commit order, with images, in batches", async () => {
    await ok("PUT", "tables/orders/items", {
      item: { id: "o1", n: 1, tags: ["a"], meta: { ok: true, note: null } },
    });
    await ok("POST", "tables/orders/items/update", {
      key: { id: "o1" },
      update: "SET n = n + :one",
      values: { ":one": 1 },
    });
    await ok(
      "PUT",
      "tables/orders/items",
      { item: { id: "o1" }, condition: "attribute_not_exists(id)" },
      409,
    );
    await ok("PUT", "tables/orders/items", { item: { id: "o2", n: 1 } });
    await ok("PUT", "tables/orders/items", { item: { id: "o2", n: 1 } }); // changes nothing
    await ok("POST", "tables/orders/items/delete", { key: { id: "o1" } });
    await ok(
      "POST",
      "tables-transact",
      {
        entries: [
          { put: { table: "orders", item: { id: "o3" } } },
          { update: { table: "orders", key: { id: "o2" }, update: "SET n = :five", values: { ":five": 5 } } },
          { check: { table: "orders", key: { id: "o9" }, condition: "attribute_not_exists(id)" } },
        ],
      },
      204,
    );
    await ok(
      "POST",
      "tables-transact",
      {
        entries: [
          { put: { table: "orders", item: { id: "o5" } } },
          { check: { table: "orders", key: { id: "o2" }, condition: "attribute_not_exists(id)" } },
        ],
      },
      409,
    );
    await ok(
      "POST",
      "tables/orders/batch-write",
      { writes: [{ put: { id: "o4" } }, { delete: { id: "o3" } }] },
      204,
    );

    const records = await log.until("audit", 8);
    assert.deepEqual(summary(records), [
      "INSERT o1",
      "MODIFY o1",
      "INSERT o2",
      "REMOVE o1",
      "INSERT o3",
      "MODIFY o2",
      "INSERT o4",
      "REMOVE o3",
    ]);
    const [insert, modify, , remove] = records as [Seen, Seen, Seen, Seen];
    assert.deepEqual(insert.dynamodb.NewImage, {
      id: { S: "o1" },
      n: { N: "1" },
      tags: { L: [{ S: "a" }] },
      meta: { M: { ok: { BOOL: true }, note: { NULL: true } } },
    });
    assert.equal(insert.dynamodb.OldImage, undefined);
    assert.deepEqual(modify.dynamodb.OldImage?.n, { N: "1" });
    assert.deepEqual(modify.dynamodb.NewImage?.n, { N: "2" });
    assert.deepEqual(remove.dynamodb.Keys, { id: { S: "o1" } });
    assert.equal(remove.dynamodb.NewImage, undefined);
    assert.deepEqual(remove.dynamodb.OldImage?.n, { N: "2" });
    for (const record of records) {
      assert.equal(record.eventSource, "aws:dynamodb");
      assert.equal(record.dynamodb.StreamViewType, "NEW_AND_OLD_IMAGES");
      assert.match(record.eventSourceARN, /table\/orders\/stream/);
      assert.ok(record.batchSize <= 2, "batchSize 2 is respected");
    }
    const sequence = records.map((record) => record.dynamodb.SequenceNumber);
    assert.deepEqual(sequence, [...sequence].sort(), "sequence numbers increase");
    assert.equal(new Set(sequence).size, 8);

    // A second function on the same table (fetch-style) gets the same records independently.
    const watched: { ceType: string; ceSource: string; events: string[] }[] = [];
    await waitFor(
      async () => {
        watched.push(...(await drain(call, "watched")).map((body) => JSON.parse(body)));
        return watched.flatMap((batch) => batch.events).length >= 8;
      },
      "8 records for the watcher",
      20_000,
    );
    assert.equal(watched[0]?.ceType, "nimbus.table.changes");
    assert.equal(watched[0]?.ceSource, "/apps/streams/tables/orders");
    assert.deepEqual(
      watched
        .flatMap((batch) => batch.events)
        .sort()
        .join(),
      ["INSERT", "INSERT", "INSERT", "INSERT", "MODIFY", "MODIFY", "REMOVE", "REMOVE"].join(),
    );
  });

  it("retries a failing batch, dead-letters it, and holds later records back until then", async () => {
    await ok("PUT", "tables/payments/items", { item: { id: "p1" } });
    await ok("PUT", "tables/payments/items", { item: { id: "p2", poison: true } });
    await ok("PUT", "tables/payments/items", { item: { id: "p3" } });
    const dead: string[] = [];
    const records = await log.until("picky", 2);
    // p3 was delivered only after p2's batch had failed for good: its failure record is there.
    dead.push(...(await drain(call, "stream-dlq")));
    assert.deepEqual(summary(records), ["INSERT p1", "INSERT p3"]);
    assert.equal(dead.length, 1);
    const failure = JSON.parse(dead[0] as string) as {
      requestContext: { condition: string; approximateInvokeCount: number };
      DDBStreamBatchInfo: { batchSize: number; startSequenceNumber: string; streamArn: string };
      Records: { eventName: string; Keys: unknown }[];
    };
    assert.equal(failure.requestContext.condition, "RetryAttemptsExhausted");
    assert.equal(failure.requestContext.approximateInvokeCount, 2, "the first attempt and one retry");
    assert.equal(failure.DDBStreamBatchInfo.batchSize, 1);
    assert.match(failure.DDBStreamBatchInfo.streamArn, /table\/payments\/stream/);
    assert.deepEqual(failure.Records, [
      {
        eventName: "INSERT",
        Keys: { id: { S: "p2" } },
        SequenceNumber: failure.DDBStreamBatchInfo.startSequenceNumber,
      },
    ]);
  });

  it("refuses a trigger on a table the manifest does not declare", async () => {
    const { parseManifest } = await import("../src/core/manifest/parse.ts");
    assert.throws(
      () =>
        parseManifest(
          "app: x\nfunctions:\n  f:\n    handler: src/f.handler\n    events:\n      - table: nope\n",
        ),
      /functions\.f\.events\.0\.table[\s\S]*"nope" is not declared/,
    );
  });
});

describe("table change events on PostgreSQL", () => {
  let database: TestDatabase;
  let nimbus: TestPlatform;
  before(async () => {
    database = await createTestDatabase();
    nimbus = await startTestPlatform({ appDir: APP_DIR, options: { storeUrl: database.url } });
  });
  after(async () => {
    await nimbus?.stop();
    await database?.drop();
  });

  it("delivers concurrent writers' records once each, in commit order per key", async () => {
    const call: Call = (method, path, body) =>
      nimbus.admin(`/apps/streams/${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // 4 keys, 6 writes each, all at once: each key's writes are serialized by its lock.
    const writes = Array.from({ length: 24 }, (_, n) =>
      call("POST", "tables/orders/items/update", {
        key: { id: `k${n % 4}` },
        update: "ADD n :one",
        values: { ":one": 1 },
      }),
    );
    for (const response of await Promise.all(writes)) assert.equal(response.status, 200);
    const records = await seenLog(call).until("audit", 24, 30_000);
    assert.equal(records.length, 24);
    const sequence = records.map((record) => record.dynamodb.SequenceNumber);
    assert.deepEqual(sequence, [...sequence].sort(), "delivered in sequence order");
    for (const id of ["k0", "k1", "k2", "k3"]) {
      const counts = records
        .filter((record) => record.dynamodb.Keys.id.S === id)
        .map((record) => Number((record.dynamodb.NewImage?.n as { N: string } | undefined)?.N));
      assert.deepEqual(counts, [1, 2, 3, 4, 5, 6], `${id}: every change, in order`);
    }
  });
});

describe("table change events across a kill -9", () => {
  const root = mkdtempSync(join(tmpdir(), "nimbus-table-streams-"));
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const env = { NIMBUS_ADMIN_KEY: "nk_test_streams_0123456789abcdef", XDG_CONFIG_HOME: root };
  const headers = { authorization: `Bearer ${env.NIMBUS_ADMIN_KEY}`, "content-type": "application/json" };
  const dataDir = join(root, "data");
  async function up(): Promise<ServerProcess> {
    // The same node id: the restarted node takes its own stream lease back at once.
    const server = await startServer(
      ["up", "--port", "0", "--data-dir", dataDir, "--node-id", "streams-node"],
      env,
    );
    servers.push(server);
    return server;
  }
  const caller =
    (url: string): Call =>
    (method, path, body) =>
      fetch(`${url}/_nimbus/apps/streams/${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });

  it("delivers the events of every acknowledged write after a restart, in order", async () => {
    const first = await up();
    assert.equal((await runCli(["deploy", APP_DIR, "--url", first.url], env)).code, 0);
    const call = caller(first.url);
    for (let index = 0; index < 10; index++) {
      const put = await call("PUT", "tables/ledger/items", { item: { id: `l${index}` } });
      assert.equal(put.status, 200);
    }
    await first.kill();

    const second = await up();
    const log = seenLog(caller(second.url));
    const records = await log.until("slow", 10, 30_000);
    // At least once: a batch in flight at the kill may come twice; none is missing or reordered.
    const distinct = [...new Map(records.map((record) => [record.dynamodb.SequenceNumber, record])).values()];
    assert.deepEqual(
      summary(distinct),
      Array.from({ length: 10 }, (_, index) => `INSERT l${index}`),
    );
  });
});
