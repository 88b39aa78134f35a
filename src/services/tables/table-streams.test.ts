// Stream records and the consumer's retry logic, without a server: DynamoDB attribute values,
// TTL deletions as service REMOVEs, partial batch failures, and dead-lettering after retries.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseManifest } from "../../core/manifest/parse.ts";
import type { InvocationOutcome } from "../../runtime/types.ts";
import { openStore } from "../../store/open-store.ts";
import type { TableChangeRecord } from "../../store/table-change-ports.ts";
import { sweepExpiredItems } from "./table-expiry.ts";
import { TableService } from "./table-service.ts";
import { TableStreamConsumer } from "./table-stream-consumer.ts";
import { streamRecord, toAttributeValue } from "./table-stream-event.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-table-streams-unit-"));
after(() => rmSync(root, { recursive: true, force: true }));

const config = parseManifest(
  [
    "app: shop",
    "functions:",
    "  audit:",
    "    handler: src/audit.handler",
    "    async: { maximumRetryAttempts: 1 }",
    "    events:",
    "      - table: { name: sessions, batchSize: 3 }",
    "tables:",
    "  sessions:",
    "    partitionKey: id",
    "    sortKey: { name: at, type: number }",
    "    ttl: expiresAt",
    "",
  ].join("\n"),
);
const sessions = config.tables?.sessions;
const audit = config.functions.audit;

describe("table stream records", () => {
  it("writes JSON as DynamoDB attribute values", () => {
    assert.deepEqual(toAttributeValue({ s: "x", n: 1.5, b: false, z: null, l: [1, "a"], m: {} }), {
      M: {
        s: { S: "x" },
        n: { N: "1.5" },
        b: { BOOL: false },
        z: { NULL: true },
        l: { L: [{ N: "1" }, { S: "a" }] },
        m: { M: {} },
      },
    });
  });

  it("records a TTL deletion as a REMOVE by the service, keys from the old image", async () => {
    const store = await openStore({ dataDir: join(root, "ttl"), url: undefined });
    try {
      const nowMs = 1_000_000_000;
      const woken: string[] = [];
      const service = new TableService({
        store: store.tables,
        tablesOf: () => config.tables,
        nowMs: () => nowMs,
        recordsChanges: () => true,
        onChanges: (_app, tables) => woken.push(...tables),
      });
      await service.write("shop", "sessions", {
        write: { kind: "put", item: { id: "s1", at: 1, expiresAt: nowMs / 1000 - 1 } },
        inputs: {},
      });
      assert.equal(
        await sweepExpiredItems({ service, tablesWithTtl: () => [{ app: "shop", tables: ["sessions"] }] }),
        1,
      );
      const changes = await store.tables.readChanges("shop", "sessions", 0, 10);
      assert.deepEqual(
        changes.map((change) => [change.name, change.expired]),
        [
          ["INSERT", false],
          ["REMOVE", true],
        ],
      );
      assert.deepEqual(woken, ["sessions", "sessions"]);
      const record = streamRecord(
        "shop",
        sessions as NonNullable<typeof sessions>,
        changes[1] as TableChangeRecord,
      );
      assert.deepEqual(record.dynamodb.Keys, { id: { S: "s1" }, at: { N: "1" } });
      assert.deepEqual(record.userIdentity, { type: "Service", principalId: "dynamodb.amazonaws.com" });
      assert.equal(record.dynamodb.NewImage, undefined);
    } finally {
      await store.close();
    }
  });
});

describe("table stream consumer", () => {
  it("moves past what succeeded, retries the rest from the first failure, then dead-letters it", async () => {
    const store = await openStore({ dataDir: join(root, "consumer"), url: undefined });
    try {
      const service = new TableService({
        store: store.tables,
        tablesOf: () => config.tables,
        recordsChanges: () => true,
      });
      for (const id of ["a", "b", "c", "d"])
        await service.write("shop", "sessions", { write: { kind: "put", item: { id, at: 1 } }, inputs: {} });
      const answers: ((sequence: string[]) => InvocationOutcome["response"])[] = [
        // First batch (a, b, c): b fails, so a is done and the retry starts at b.
        (sequence) => answer({ batchItemFailures: [{ itemIdentifier: sequence[1] }] }),
        () => answer({}, 500), // b, c, d: the only retry fails too
      ];
      const batches: string[][] = [];
      const failures: string[] = [];
      const consumer = new TableStreamConsumer({
        app: "shop",
        functionName: "audit",
        trigger: { table: "sessions", batchSize: 3 },
        store: store.tables,
        backoff: { baseDelayMs: 10, maxDelayMs: 10 },
        target: {
          current: () => ({
            fn: audit as NonNullable<typeof audit>,
            table: sessions as NonNullable<typeof sessions>,
          }),
          invoke: async (request) => {
            const { Records } = JSON.parse(
              Buffer.from((request as { payload: Uint8Array }).payload).toString(),
            ) as {
              Records: { dynamodb: { Keys: { id: { S: string } }; SequenceNumber: string } }[];
            };
            batches.push(Records.map((record) => record.dynamodb.Keys.id.S));
            const respond = answers.shift() ?? (() => answer({}));
            return outcome(respond(Records.map((record) => record.dynamodb.SequenceNumber)));
          },
          sendFailure: async (_fn, record) => {
            failures.push(record);
          },
        },
      });
      const first = await consumer.step(0);
      assert.equal(typeof first, "object", "a failed record: retry later");
      assert.deepEqual(await consumer.step(0), first, "not before the backoff ends");
      let now = Date.now() + 60_000;
      assert.equal(await consumer.step(now), "delivered", "retries used up: dead-lettered");
      now += 60_000;
      assert.equal(await consumer.step(now), "idle");
      assert.deepEqual(batches, [
        ["a", "b", "c"],
        ["b", "c", "d"],
      ]);
      assert.equal(failures.length, 1);
      const failure = JSON.parse(failures[0] as string) as { DDBStreamBatchInfo: { batchSize: number } };
      assert.equal(failure.DDBStreamBatchInfo.batchSize, 3);
    } finally {
      await store.close();
    }
  });
});

function answer(body: unknown, status = 200) {
  return { status, headers: [], body: Buffer.from(JSON.stringify(body)) };
}

function outcome(response: InvocationOutcome["response"]): InvocationOutcome {
  return {
    requestId: "r",
    app: "shop",
    functionName: "audit",
    version: "1",
    startedAt: 0,
    durationMs: 1,
    billedDurationMs: 1,
    cold: false,
    initDurationMs: undefined,
    peakMemoryMb: undefined,
    status: "success",
    errorCode: undefined,
    errorMessage: undefined,
    response,
  };
}
