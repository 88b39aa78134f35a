// Topics through the real server: CloudEvents ingested in binary and structured mode, fanned
// out to a queue and to filtered function subscriptions (EventBridge shape for Lambda-style,
// binary-mode CloudEvents for fetch-style), malformed events and invalid filters refused, the
// SDK and the CLI.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packageApp } from "../src/control/package-app.ts";
import { NimbusError } from "../src/core/errors.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

interface Seen {
  fn: "notifier" | "audit";
  id: string;
  type: string;
  source: string;
  specversion?: string;
  detail: { total?: number; coupon?: string };
}

describe("topics", () => {
  let nimbus: TestPlatform;
  const root = mkdtempSync(join(tmpdir(), "nimbus-topics-"));
  const seen: Seen[] = [];

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "events") });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  function publish(headers: Record<string, string>, body: string): Promise<Response> {
    return nimbus.admin("/apps/events/topics/orders/events", { method: "POST", headers, body });
  }

  async function drain(queue: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const response = await nimbus.admin(`/apps/events/queues/${queue}/receive`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ maxMessages: 10 }),
      });
      const { messages } = await json<{ messages: { body: string; receiptHandle: string }[] }>(response);
      if (messages.length === 0) return bodies;
      bodies.push(...messages.map((m) => m.body));
      await nimbus.admin(`/apps/events/queues/${queue}/messages/delete`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ receiptHandles: messages.map((m) => m.receiptHandle) }),
      });
    }
  }

  async function seenFor(eventId: string, count: number): Promise<Seen[]> {
    return waitFor(async () => {
      seen.push(...(await drain("seen")).map((body) => JSON.parse(body) as Seen));
      const mine = seen.filter((s) => s.id === eventId);
      return mine.length >= count ? mine : undefined;
    }, `${count} deliveries of ${eventId}`);
  }

  it("takes a binary-mode event and delivers it to the queue and every matching function", async () => {
    const response = await publish(
      {
        "ce-specversion": "1.0",
        "ce-id": "evt-binary-1",
        "ce-source": "/shop/api",
        "ce-type": "order.created",
        "content-type": "application/json",
      },
      JSON.stringify({ total: 150 }),
    );
    assert.equal(response.status, 202, await response.clone().text());
    assert.deepEqual(await json(response), {
      eventId: "evt-binary-1",
      deliveries: ["queue order-jobs", "function notifier", "function audit"],
    });
    const [queued] = (await drain("order-jobs")).map((body) => JSON.parse(body) as Record<string, unknown>);
    assert.deepEqual(
      [queued?.specversion, queued?.id, queued?.type, queued?.source, queued?.data],
      ["1.0", "evt-binary-1", "order.created", "/shop/api", { total: 150 }],
    );
    const delivered = await seenFor("evt-binary-1", 2);
    const notifier = delivered.find((s) => s.fn === "notifier");
    const audit = delivered.find((s) => s.fn === "audit");
    assert.deepEqual(
      [notifier?.type, notifier?.source, notifier?.detail],
      ["order.created", "/shop/api", { total: 150 }],
      "Lambda-style: EventBridge shape",
    );
    assert.deepEqual(
      [audit?.specversion, audit?.type, audit?.detail],
      ["1.0", "order.created", { total: 150 }],
      "fetch-style: binary-mode CloudEvent",
    );
  });

  it("takes a structured-mode event and honours the filters (numeric, exists)", async () => {
    const event = {
      specversion: "1.0",
      id: "evt-structured-1",
      source: "/shop/api",
      type: "order.created",
      data: { total: 50, coupon: "SPRING" },
    };
    const response = await publish({ "content-type": "application/cloudevents+json" }, JSON.stringify(event));
    assert.equal(response.status, 202);
    assert.deepEqual((await json<{ deliveries: string[] }>(response)).deliveries, ["queue order-jobs"]);
    assert.equal((await drain("order-jobs")).length, 1);
    // A matching event published afterwards reaches the functions; this one never did.
    const after = await publish(
      { "content-type": "application/cloudevents+json" },
      JSON.stringify({ ...event, id: "evt-structured-2", data: { total: 500 } }),
    );
    assert.equal(after.status, 202);
    await seenFor("evt-structured-2", 2);
    assert.equal(seen.filter((s) => s.id === "evt-structured-1").length, 0);
    await drain("order-jobs");
  });

  it("delivers a republished event id once", async () => {
    const headers = { "content-type": "application/cloudevents+json" };
    const event = JSON.stringify({
      specversion: "1.0",
      id: "evt-twice",
      source: "/s",
      type: "order.created",
      data: { total: 1 },
    });
    assert.equal((await publish(headers, event)).status, 202);
    assert.equal((await publish(headers, event)).status, 202);
    assert.equal((await drain("order-jobs")).length, 1);
    await seenFor("evt-twice", 1); // audit (no coupon); notifier is filtered out (total ≤ 100)
    const { invocations } = await json<{ invocations: { payload: string }[] }>(
      nimbus.admin("/apps/events/async-invocations?function=audit&limit=1000"),
    );
    assert.equal(invocations.filter((i) => i.payload.includes('"evt-twice"')).length, 1);
  });

  it("refuses malformed events and unknown topics, delivering nothing", async () => {
    const cases: [Record<string, string>, string, number, string][] = [
      [
        { "ce-specversion": "1.0", "ce-source": "/s", "ce-type": "t", "content-type": "application/json" },
        "{}",
        400,
        "EVENT_INVALID",
      ],
      [
        { "ce-specversion": "2.0", "ce-id": "x", "ce-source": "/s", "ce-type": "t" },
        "",
        400,
        "EVENT_INVALID",
      ],
      [{ "content-type": "application/cloudevents+json" }, "{not json", 400, "EVENT_INVALID"],
      [
        { "content-type": "application/cloudevents+json" },
        JSON.stringify({ specversion: "1.0", id: "x" }),
        400,
        "EVENT_INVALID",
      ],
      [{ "content-type": "text/plain" }, "hello", 400, "EVENT_INVALID"],
    ];
    for (const [headers, body, status, code] of cases) {
      const response = await publish(headers, body);
      assert.deepEqual(
        [response.status, (await json<{ error: { code: string } }>(response)).error.code],
        [status, code],
      );
    }
    const unknown = await nimbus.admin("/apps/events/topics/nope/events", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({ specversion: "1.0", id: "x", source: "/s", type: "t" }),
    });
    assert.equal((await json<{ error: { code: string } }>(unknown)).error.code, "TOPIC_NOT_FOUND");
    assert.deepEqual(await drain("order-jobs"), []);
  });

  it("refuses a deploy whose subscription filter is invalid, naming the problem", async () => {
    const dir = join(root, "bad-filter");
    cpSync(join(FIXTURES, "events"), dir, { recursive: true });
    const manifest = join(dir, "nimbus.yaml");
    writeFileSync(
      manifest,
      readFileSync(manifest, "utf8").replace(
        '[{ numeric: [">", 100] }]',
        '[{ numeric: ["more than", 100] }]',
      ),
    );
    await assert.rejects(
      async () => nimbus.platform.deploy(await packageApp(dir)),
      (error: unknown) => {
        assert.ok(error instanceof NimbusError);
        assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
        assert.match(
          error.message,
          /topics\.orders\.subscriptions\.1: filter\.data\.total\[0\]: numeric takes \[op, number\]/,
        );
        return true;
      },
    );
  });

  it("replays a time range of the archive to one subscription", async () => {
    const from = new Date().toISOString();
    const headers = { "content-type": "application/cloudevents+json" };
    for (const id of ["evt-archived-1", "evt-archived-2"]) {
      const event = { specversion: "1.0", id, source: "/s", type: "order.created", data: { total: 5 } };
      assert.equal((await publish(headers, JSON.stringify(event))).status, 202);
    }
    const firstDelivery = (await drain("order-jobs")).map((body) => (JSON.parse(body) as { id: string }).id);
    assert.deepEqual(firstDelivery, ["evt-archived-1", "evt-archived-2"]);
    const to = new Date(Date.now() + 1_000).toISOString();
    const env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    const replayed = await runCli(
      ["topics", "replay", "orders", "--from", from, "--to", to, "--subscription", "0"],
      env,
    );
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /Replayed 2 event\(s\) of orders to subscription 0\./);
    const again = (await drain("order-jobs")).map((body) => (JSON.parse(body) as { id: string }).id);
    assert.deepEqual(again, ["evt-archived-1", "evt-archived-2"], "the queue gets them again, in order");
    const notArchived = await nimbus.admin("/apps/events/topics/orders/replay", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from, to, subscription: 9 }),
    });
    assert.equal(notArchived.status, 400);
  });

  it("publishes from function code with nimbus/sdk and from the CLI", async () => {
    const response = await fetch(`${nimbus.url}/publish`, {
      method: "POST",
      body: JSON.stringify({ total: 999 }),
    });
    assert.equal(response.status, 202, await response.clone().text());
    const { eventId } = await json<{ eventId: string }>(response);
    const delivered = await seenFor(eventId, 2);
    assert.equal(delivered.find((s) => s.fn === "notifier")?.source, "/apps/events/functions/publisher");

    const env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    const listed = await runCli(["topics", "ls"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^orders {2}→ queue order-jobs, function notifier \(filtered\), function audit \(filtered\)$/m,
    );
    const cli = await runCli(
      [
        "topics",
        "publish",
        "orders",
        "--type",
        "order.created",
        "--data",
        '{"total":101}',
        "--id",
        "evt-cli",
      ],
      env,
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(
      cli.stdout,
      /Published evt-cli to orders → queue order-jobs, function notifier, function audit/,
    );
    await seenFor("evt-cli", 2);
    await drain("order-jobs");
  });
});
