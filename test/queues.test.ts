// Queues through the real server: declared in nimbus.yaml, used over the documented HTTP API
// (/_nimbus/apps/:app/queues/...) with SQS semantics, bad input refused with a code and no change,
// guarded by IAM, and an acknowledged send surviving a kill -9 of the platform.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { call, createAccessKey } from "./identity-helpers.ts";

interface Received {
  messageId: string;
  receiptHandle: string;
  body: string;
  receiveCount: number;
  groupId?: string;
  attributes: Record<string, string>;
}

interface Stats {
  visible: number;
  inFlight: number;
  delayed: number;
  oldestAgeMs?: number;
}

describe("queues over the HTTP API", () => {
  let nimbus: TestPlatform;

  function post(path: string, body: unknown): Promise<Response> {
    return nimbus.admin(`/apps/mailroom/queues/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function send(queue: string, body: unknown): Promise<Response> {
    return post(`${queue}/messages`, body);
  }

  async function receive(queue: string, request: Record<string, unknown> = {}): Promise<Received[]> {
    const response = await post(`${queue}/receive`, request);
    assert.equal(response.status, 200, await response.clone().text());
    return (await json<{ messages: Received[] }>(response)).messages;
  }

  async function stats(queue: string): Promise<Stats> {
    return (await json<{ stats: Stats }>(nimbus.admin(`/apps/mailroom/queues/${queue}`))).stats;
  }

  async function errorOf(response: Response): Promise<[number, string]> {
    return [response.status, (await json<{ error: { code: string } }>(response)).error.code];
  }

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "queues") });
  });
  after(() => nimbus?.stop());

  it("lists the declared queues with their settings and depth", async () => {
    const { queues } = await json<{
      queues: { config: { name: string; fifo: boolean }; sourceQueues: string[] }[];
    }>(nimbus.admin("/apps/mailroom/queues"));
    assert.deepEqual(
      queues.map((queue) => [queue.config.name, queue.config.fifo]),
      [
        ["jobs", false],
        ["jobs-dlq", false],
        ["orders", true],
        ["slow", false],
      ],
    );
    assert.deepEqual(queues.find((queue) => queue.config.name === "jobs-dlq")?.sourceQueues, ["jobs"]);
  });

  it("sends, receives with a visibility timeout, deletes by receipt handle", async () => {
    const sent = await send("jobs", { body: '{"n":1}', attributes: { kind: "test" } });
    assert.equal(sent.status, 201);
    const { messageId } = await json<{ messageId: string }>(sent);
    const [message] = await receive("jobs", { maxMessages: 10 });
    assert.deepEqual([message?.messageId, message?.body, message?.receiveCount], [messageId, '{"n":1}', 1]);
    assert.deepEqual(message?.attributes, { kind: "test" });
    assert.deepEqual(await receive("jobs"), [], "in flight: invisible");
    assert.equal((await stats("jobs")).inFlight, 1);
    const handle = encodeURIComponent(message?.receiptHandle as string);
    assert.equal(
      (await nimbus.admin(`/apps/mailroom/queues/jobs/messages/${handle}`, { method: "DELETE" })).status,
      204,
    );
    assert.deepEqual(
      await errorOf(
        await nimbus.admin(`/apps/mailroom/queues/jobs/messages/${handle}`, { method: "DELETE" }),
      ),
      [400, "RECEIPT_HANDLE_INVALID"],
    );
    assert.deepEqual(await stats("jobs"), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it("long-polls until a message arrives", async () => {
    const started = Date.now();
    const polling = receive("jobs", { waitTimeMs: 10_000 });
    await new Promise((resolve) => setImmediate(resolve));
    await waitFor(async () => (await send("jobs", { body: "wake up" })).status === 201, "a send");
    const [message] = await polling;
    assert.equal(message?.body, "wake up");
    assert.ok(Date.now() - started < 10_000, "answered before the wait time ended");
    await post("jobs/messages/delete", { receiptHandles: [message?.receiptHandle] });
  });

  it("returns an empty list when a long poll finds nothing within its wait time", async () => {
    assert.deepEqual(await receive("jobs-dlq", { waitTimeMs: 300 }), []);
  });

  it("sends a batch, changes visibility, moves a message to the dead-letter queue and redrives it", async () => {
    const batch = await send("jobs", { entries: [{ body: "poison" }, { body: "ok" }] });
    assert.equal(batch.status, 201);
    assert.equal((await json<{ messages: unknown[] }>(batch)).messages.length, 2);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const got = await receive("jobs", { maxMessages: 10, visibilityTimeoutMs: 60_000 });
      assert.deepEqual(
        got.map((m) => [m.body, m.receiveCount]),
        [
          ["poison", attempt],
          ["ok", attempt],
        ],
      );
      const [poison, ok] = got;
      if (attempt === 2) await post("jobs/messages/delete", { receiptHandles: [ok?.receiptHandle] });
      // A failed message comes back at once when its visibility is set to 0.
      const change = await post("jobs/messages/visibility", {
        receiptHandle: poison?.receiptHandle,
        visibilityTimeoutMs: 0,
      });
      assert.equal(change.status, 204);
      if (attempt === 1) {
        await post("jobs/messages/visibility", { receiptHandle: ok?.receiptHandle, visibilityTimeoutMs: 0 });
      }
    }
    assert.deepEqual(await receive("jobs"), [], "past maxReceiveCount: moved, not delivered");
    assert.equal((await stats("jobs-dlq")).visible, 1);
    const redrive = await json<{ moved: number; to: string }>(post("jobs-dlq/redrive", {}));
    assert.deepEqual(redrive, { moved: 1, to: "jobs" });
    const [back] = await receive("jobs");
    assert.deepEqual([back?.body, back?.receiveCount], ["poison", 1]);
    await post("jobs/messages/delete", { receiptHandles: [back?.receiptHandle] });
  });

  it("keeps FIFO order per group and deduplicates by content", async () => {
    const sends = [
      { body: "a1", groupId: "a" },
      { body: "b1", groupId: "b" },
      { body: "a2", groupId: "a" },
    ];
    for (const entry of sends) assert.equal((await send("orders", entry)).status, 201);
    const duplicate = await json<{ duplicate: boolean }>(send("orders", { body: "a1", groupId: "a" }));
    assert.equal(duplicate.duplicate, true);
    const first = await receive("orders", { maxMessages: 2 });
    assert.deepEqual(
      first.map((m) => m.body),
      ["a1", "b1"],
    );
    assert.deepEqual(await receive("orders", { maxMessages: 10 }), [], "group a waits for a1");
    await post("orders/messages/delete", { receiptHandles: first.map((m) => m.receiptHandle) });
    assert.deepEqual(
      (await receive("orders", { maxMessages: 10 })).map((m) => m.body),
      ["a2"],
    );
    await post("orders/purge", {});
  });

  it("delays messages of a queue with a delay", async () => {
    await send("slow", { body: "later" });
    assert.equal((await stats("slow")).delayed, 1);
    assert.deepEqual(await receive("slow"), []);
    const [later] = await receive("slow", { waitTimeMs: 5_000 });
    assert.equal(later?.body, "later");
    assert.deepEqual(await json(post("slow/purge", {})), { purged: 1 });
  });

  it("refuses bad input with a coded error and stores nothing", async () => {
    const big = "x".repeat(256 * 1024 + 1);
    assert.deepEqual(await errorOf(await send("jobs", { body: big })), [413, "MESSAGE_TOO_LARGE"]);
    assert.deepEqual(
      await errorOf(
        await send("jobs", {
          entries: [{ body: "fine" }, { body: "y".repeat(200 * 1024) }, { body: "z".repeat(100 * 1024) }],
        }),
      ),
      [413, "MESSAGE_TOO_LARGE"],
    );
    assert.deepEqual(await errorOf(await send("nope", { body: "x" })), [404, "QUEUE_NOT_FOUND"]);
    assert.deepEqual(await errorOf(await send("jobs", { text: "x" })), [400, "BAD_REQUEST"]);
    assert.deepEqual(await errorOf(await send("orders", { body: "no group" })), [400, "BAD_REQUEST"]);
    assert.deepEqual(await errorOf(await send("jobs", { body: "x", groupId: "g" })), [400, "BAD_REQUEST"]);
    assert.deepEqual(await errorOf(await post("jobs/receive", { maxMessages: 11 })), [400, "BAD_REQUEST"]);
    assert.deepEqual(
      await errorOf(await nimbus.admin("/apps/ghost/queues/jobs/receive", { method: "POST" })),
      [404, "APP_NOT_FOUND"],
    );
    assert.deepEqual(await stats("jobs"), { visible: 0, inFlight: 0, delayed: 0 }, "nothing was stored");
  });

  it("lets function code send with nimbus/sdk, to the queues its permissions name", async () => {
    const sent = await fetch(`${nimbus.url}/produce/jobs`, { method: "POST", body: "from a function" });
    assert.equal(sent.status, 201, await sent.clone().text());
    const [message] = await receive("jobs");
    assert.deepEqual([message?.body, message?.attributes], ["from a function", { via: "sdk" }]);
    await post("jobs/messages/delete", { receiptHandles: [message?.receiptHandle] });
    const denied = await fetch(`${nimbus.url}/produce/orders`, { method: "POST", body: "not allowed" });
    assert.deepEqual(await json(denied), { code: "ACCESS_DENIED" });
    assert.equal((await stats("orders")).visible, 0);
  });

  it("lets an access key use only the queues and actions its policy allows", async () => {
    const key = await createAccessKey(nimbus, "jobs-sender", [
      { effect: "allow", actions: ["queues:SendMessage"], resources: ["nrn:mailroom:queue/jobs"] },
    ]);
    const allowed = await call(nimbus, "POST", "/apps/mailroom/queues/jobs/messages", key.authorization, {
      body: "hi",
    });
    assert.equal(allowed.status, 201);
    const otherQueue = await call(
      nimbus,
      "POST",
      "/apps/mailroom/queues/orders/messages",
      key.authorization,
      {
        body: "hi",
        groupId: "g",
      },
    );
    assert.deepEqual(await errorOf(otherQueue), [403, "ACCESS_DENIED"]);
    const receiveDenied = await call(
      nimbus,
      "POST",
      "/apps/mailroom/queues/jobs/receive",
      key.authorization,
      {},
    );
    assert.deepEqual(await errorOf(receiveDenied), [403, "ACCESS_DENIED"]);
    await post("jobs/purge", {});
  });
});
