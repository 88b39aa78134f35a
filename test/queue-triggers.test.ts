// Queues as a function trigger through the real server: Lambda-style handlers get SQS events,
// fetch-style ones CloudEvents binary-mode requests; partial batch failures return only the
// failed messages, which land in the dead-letter queue after maxReceiveCount; and messages
// survive a kill -9 of the platform in the middle of processing.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES, waitFor } from "./helpers.ts";

const APP_DIR = join(FIXTURES, "queue-workers");
const ADMIN_KEY = "nk_test_triggers_0123456789abcdef";

interface Report {
  style: "lambda" | "fetch";
  body: string;
  messageId: string;
  receiveCount: number;
  batchSize: number;
  attribute?: string;
  eventSource?: string;
  eventSourceARN?: string;
  ceType?: string;
  ceSource?: string;
  ceSpecversion?: string;
  ceId?: string;
}

/** Talks to one platform's queues of the "workers" app with the admin key. */
function queueClient(url: string) {
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/_nimbus/apps/workers/queues/${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${path}: ${response.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const reports: Report[] = [];
  return {
    reports,
    async send(queue: string, bodies: readonly string[]): Promise<void> {
      for (let start = 0; start < bodies.length; start += 10) {
        const entries = bodies
          .slice(start, start + 10)
          .map((body) => ({ body, attributes: { kind: "test" } }));
        await post(`${queue}/messages`, { entries });
      }
    },
    /** Moves what the workers reported from the "done" queue into `reports`. */
    async collect(): Promise<Report[]> {
      for (;;) {
        const { messages } = (await post("done/receive", { maxMessages: 10 })) as {
          messages: { body: string; receiptHandle: string }[];
        };
        if (messages.length === 0) return reports;
        reports.push(...messages.map((m) => JSON.parse(m.body) as Report));
        await post("done/messages/delete", { receiptHandles: messages.map((m) => m.receiptHandle) });
      }
    },
    async stats(queue: string): Promise<{ visible: number; inFlight: number }> {
      const response = await fetch(`${url}/_nimbus/apps/workers/queues/${queue}`, { headers });
      return ((await response.json()) as { stats: { visible: number; inFlight: number } }).stats;
    },
    async receiveAll(queue: string): Promise<string[]> {
      const { messages } = (await post(`${queue}/receive`, { maxMessages: 10 })) as {
        messages: { body: string }[];
      };
      return messages.map((m) => m.body);
    },
  };
}

function bodiesOf(reports: readonly Report[], style: Report["style"]): string[] {
  return [...new Set(reports.filter((r) => r.style === style).map((r) => r.body))].sort();
}

describe("queue triggers", () => {
  let nimbus: TestPlatform;
  let client: ReturnType<typeof queueClient>;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: APP_DIR, options: { adminKey: ADMIN_KEY } });
    client = queueClient(nimbus.url);
  });
  after(() => nimbus?.stop());

  it("calls a Lambda-style handler with SQS events in batches and retries only the failed messages", async () => {
    const ok = Array.from({ length: 12 }, (_, index) => `ok-${String(index).padStart(2, "0")}`);
    await client.send("tasks", [...ok.slice(0, 6), "fail-lambda", ...ok.slice(6)]);
    await waitFor(
      async () => bodiesOf(await client.collect(), "lambda").length === ok.length,
      "every ok message",
    );
    const reports = client.reports.filter((r) => r.style === "lambda");
    assert.deepEqual(bodiesOf(reports, "lambda"), ok);
    const first = reports[0] as Report;
    assert.equal(first.eventSource, "aws:sqs");
    assert.equal(first.eventSourceARN, "arn:nimbus:sqs:local:workers:tasks");
    assert.equal(first.attribute, "test");
    assert.ok(
      reports.every((r) => r.batchSize >= 1 && r.batchSize <= 5),
      "batchSize caps a batch",
    );
    // The failed message is received again after its visibility timeout, then moved to the DLQ.
    await waitFor(
      async () => (await client.stats("tasks-dlq")).visible === 1,
      "the failed message in the DLQ",
    );
    assert.deepEqual(await client.receiveAll("tasks-dlq"), ["fail-lambda"]);
    assert.deepEqual(await client.stats("tasks"), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it("calls a fetch-style handler with a CloudEvents binary-mode request and honours its batchItemFailures", async () => {
    const ok = ["f-1", "f-2", "f-3"];
    await client.send("fetch-tasks", ["fail-fetch", ...ok]);
    await waitFor(
      async () => bodiesOf(await client.collect(), "fetch").length === ok.length,
      "every ok message",
    );
    const report = client.reports.find((r) => r.style === "fetch") as Report;
    assert.equal(report.ceSpecversion, "1.0");
    assert.equal(report.ceType, "nimbus.queue.batch");
    assert.equal(report.ceSource, "/apps/workers/queues/fetch-tasks");
    assert.match(report.ceId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(report.attribute, "test");
    await waitFor(
      async () => (await client.receiveAll("tasks-dlq")).includes("fail-fetch"),
      "the failed fetch message in the DLQ",
    );
  });
});

describe("queue triggers across a kill -9", () => {
  const root = mkdtempSync(join(tmpdir(), "nimbus-trigger-kill-"));
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function up(): Promise<ServerProcess> {
    const env = { NIMBUS_ADMIN_KEY: ADMIN_KEY, XDG_CONFIG_HOME: root };
    const server = await startServer(["up", "--port", "0", "--data-dir", join(root, "data")], env);
    servers.push(server);
    return server;
  }

  it("processes every acknowledged message after the platform is killed mid-processing", async () => {
    const first = await up();
    const deployed = await runCli(["deploy", APP_DIR, "--url", first.url], {
      NIMBUS_ADMIN_KEY: ADMIN_KEY,
      XDG_CONFIG_HOME: root,
    });
    assert.equal(deployed.code, 0, deployed.stderr);
    const count = 30;
    const bodies = Array.from({ length: count }, (_, index) => `slow-${String(index).padStart(2, "0")}`);
    const before = queueClient(first.url);
    await before.send("slow-tasks", bodies);
    // Some processed, not all: kill it in the middle.
    await waitFor(async () => (await before.collect()).length > 0, "the first processed messages");
    await first.kill();
    assert.ok(before.reports.length < count, "killed before everything was processed");

    const second = await up();
    const afterKill = queueClient(second.url);
    afterKill.reports.push(...before.reports);
    await waitFor(
      async () => bodiesOf(await afterKill.collect(), "lambda").length === count,
      "every message to be processed after the restart",
      30_000,
    );
    assert.deepEqual(bodiesOf(afterKill.reports, "lambda"), bodies);
    // Duplicates are allowed (at least once) and carry the same message id.
    const idsByBody = new Map<string, Set<string>>();
    for (const report of afterKill.reports) {
      idsByBody.set(report.body, (idsByBody.get(report.body) ?? new Set()).add(report.messageId));
    }
    assert.ok(
      [...idsByBody.values()].every((ids) => ids.size === 1),
      "a redelivery keeps the message id",
    );
  });
});
