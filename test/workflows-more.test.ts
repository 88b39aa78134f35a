// Workflows through the real server, beyond the basics: cancellation and failure run the
// compensations (newest first), child workflows (fan-out beside invokes and steps; a child's
// failure propagates), an instance keeps its start version after a redeploy, ctx.patched,
// retry onto the latest version (CLI), large payloads kept as blobs, events by correlation key
// delivered once, starts from an HTTP route and a queue, custom status, and a replay that
// cannot answer parks the instance after its attempts.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

interface Described {
  id: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  version?: number;
  customStatus?: unknown;
  parentId?: string;
  cancelRequested?: string;
  history: {
    key: string;
    kind: string;
    state: string;
    output: unknown;
    error?: { name: string; message: string };
    childId?: string;
  }[];
  events: { eventId: string; name: string; consumed: boolean }[];
}

describe("workflows: sagas, children, versions, blobs, keys, triggers", () => {
  let nimbus: TestPlatform;
  const appDir = mkdtempSync(join(FIXTURES, ".tmp-workflows-more-"));

  before(async () => {
    cpSync(join(FIXTURES, "workflows-more"), appDir, { recursive: true });
    nimbus = await startTestPlatform({ appDir, options: { workflowReplayAttempts: 2 } });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(appDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    nimbus.admin(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function start(workflow: string, input: unknown, extra: Record<string, unknown> = {}) {
    const response = await post(`/apps/flows2/workflows/${workflow}/instances`, { input, ...extra });
    assert.ok(response.status === 201 || response.status === 200, await response.clone().text());
    return (await json<{ instanceId: string }>(response)).instanceId;
  }

  const describeInstance = (id: string) =>
    json<Described>(nimbus.admin(`/workflows/${encodeURIComponent(id)}`));

  function until(id: string, what: string, check: (instance: Described) => boolean): Promise<Described> {
    return waitFor(
      async () => {
        const instance = await describeInstance(id);
        return check(instance) ? instance : undefined;
      },
      `${id}: ${what}`,
      30_000,
    );
  }

  const sendEvent = (id: string, name: string, payload: unknown, eventId?: string) =>
    post(`/workflows/${encodeURIComponent(id)}/events`, { name, payload, eventId });

  const keys = (instance: Described) => instance.history.map((entry) => entry.key);

  it("cancellation runs the compensations newest first, then the instance ends cancelled", async () => {
    const id = await start("saga", null);
    const waiting = await until(
      id,
      "waiting",
      (i) => (i.customStatus as { stage?: string })?.stage === "waiting",
    );
    assert.equal(waiting.status, "running", "the custom status is readable while it runs");
    const cancelling = await json<Described>(post(`/workflows/${id}/cancel`, { reason: "customer left" }));
    assert.equal(cancelling.cancelRequested, "customer left");
    const done = await until(id, "cancelled", (i) => i.status === "cancelled");
    assert.equal(done.error, "customer left");
    assert.deepEqual(keys(done), [
      "step:reserve#1",
      "step:charge#1",
      "event:go#1",
      "step:refund#1",
      "step:release#1",
    ]);
    const wait = done.history.find((entry) => entry.key === "event:go#1");
    assert.equal(wait?.error?.name, "WorkflowCancelledError", "the wait it was in was cancelled");
    assert.equal(done.history.at(-2)?.output, "refunded c-1");
    assert.equal(done.history.at(-1)?.output, "released r-1");
    assert.equal((await post(`/workflows/${id}/cancel`, {})).status, 409);
  });

  it("a failure runs the compensations, then fails with the original error", async () => {
    const id = await start("saga", null);
    await until(id, "waiting", (i) => keys(i).includes("event:go#1"));
    await sendEvent(id, "go", "fail");
    const failed = await until(id, "failed", (i) => i.status === "failed");
    assert.match(JSON.stringify(failed.error), /shipping refused/);
    assert.deepEqual(keys(failed).slice(-2), ["step:refund#1", "step:release#1"]);
  });

  it("fans out over an invoke, a child workflow and a step; a child's failure propagates", async () => {
    const id = await start("parent", { n: 3 });
    const done = await until(id, "completed", (i) => i.status === "completed");
    assert.deepEqual(done.output, { doubled: 6, fromChild: { squared: 9 }, local: 4 });
    const childEntry = done.history.find((entry) => entry.kind === "child");
    assert.equal(childEntry?.childId, `${id}:child:child#1`);
    const child = await describeInstance(`${id}:child:child#1`);
    assert.equal(child.status, "completed");
    assert.equal(child.parentId, id);

    const failing = await start("parent", { n: 2, failChild: true });
    const failed = await until(failing, "failed", (i) => i.status === "failed");
    assert.match(JSON.stringify(failed.error), /ChildWorkflowFailedError/);
    assert.match(JSON.stringify(failed.error), /child broke/);
    assert.equal((await describeInstance(`${failing}:child:child#1`)).status, "failed");
  });

  it("keeps each instance on its start version; patched; retry moves a failed one to the latest", async () => {
    const a = await start("versioned", null);
    const b = await start("versioned", null);
    await until(a, "waiting", (i) => keys(i).includes("event:go#1"));
    await until(b, "waiting", (i) => keys(i).includes("event:go#1"));
    const file = join(appDir, "src", "versioned.ts");
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace('const MARK: string = "v1";', 'const MARK: string = "v2";')
        .replace(
          "const patched = false; // PATCH",
          'const patched = ctx.patched("extra");\n  if (patched) extra = await ctx.step("extra", () => MARK);',
        ),
    );
    await nimbus.deploy(appDir);
    const c = await start("versioned", null);
    await until(c, "waiting", (i) => keys(i).includes("event:go#1"));

    await sendEvent(a, "go", "ok");
    const doneA = await until(a, "completed", (i) => i.status === "completed");
    assert.deepEqual(doneA.output, { first: "v1", patched: false, last: "v1" }, "version 1 to the end");
    await sendEvent(c, "go", "ok");
    const doneC = await until(c, "completed", (i) => i.status === "completed");
    assert.deepEqual(doneC.output, { first: "v2", patched: true, extra: "v2", last: "v2" });
    assert.ok((doneC.version ?? 0) > (doneA.version ?? 0), "C started on the newer version");

    // B fails on version 1; retried, it resumes on version 2, which sees the patch as absent
    // for B's history (the wait is journaled past the patch's place).
    await sendEvent(b, "go", "fail");
    await until(b, "failed", (i) => i.status === "failed");
    const env = { NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: appDir };
    const retried = await runCli(["workflows", "retry", b, "--url", nimbus.url, "--app", "flows2"], env);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /Resumed/);
    const doneB = await until(b, "completed after the retry", (i) => i.status === "completed");
    assert.deepEqual(doneB.output, { first: "v1", patched: false, last: "v2" });
    assert.equal(doneB.version, doneC.version);
    assert.equal(doneB.history.find((entry) => entry.key === "patch:extra")?.output, false);
  });

  it("keeps payloads over the inline limit as blobs and gives them back whole", async () => {
    const blob = "x".repeat(300 * 1024);
    const id = await start("big", { blob });
    await until(id, "waiting", (i) => keys(i).includes("event:data#1"));
    const sent = await sendEvent(id, "data", { blob }, "big-1");
    assert.equal(sent.status, 202, await sent.clone().text());
    const done = await until(id, "completed", (i) => i.status === "completed");
    const output = done.output as { same: boolean; doubled: string };
    assert.equal(output.same, true, "the input, the step's result and the event came back whole");
    assert.equal(output.doubled.length, 2 * blob.length);
    assert.equal((done.input as { blob: string }).blob.length, blob.length);
    // The list shows what the store keeps: a reference.
    const listed = await json<{
      instances: { id: string; input: { $nimbusBlob?: string; bytes?: number } }[];
    }>(nimbus.admin("/apps/flows2/workflows?workflow=big"));
    const row = listed.instances.find((instance) => instance.id === id);
    assert.equal(typeof row?.input.$nimbusBlob, "string");
    assert.ok((row?.input.bytes ?? 0) > blob.length);
  });

  it("delivers an event sent by correlation key once, to the instances with that key", async () => {
    const k1 = await start("keyed", null, { correlationKey: "order-42" });
    const k2 = await start("keyed", null, { correlationKey: "order-43" });
    await until(k1, "waiting", (i) => keys(i).includes("event:paid#1"));
    const byKey = (name: string, payload: unknown, eventId: string) =>
      post("/apps/flows2/workflows/events", { name, correlationKey: "order-42", payload, eventId });
    const first = await json<{ eventId: string; instances: { instanceId: string; duplicate: boolean }[] }>(
      byKey("paid", { amount: 5 }, "pay-1"),
    );
    assert.deepEqual(first.instances, [{ instanceId: k1, duplicate: false }]);
    await until(k1, "paid consumed", (i) => keys(i).includes("event:shipped#1"));
    // The same event again, from the CLI: a duplicate, not stored.
    const env = { NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: appDir };
    const cli = await runCli(
      [
        "workflows",
        "signal",
        "order-42",
        "paid",
        '{"amount":5}',
        "--by-key",
        "--event-id",
        "pay-1",
        "--url",
        nimbus.url,
        "--app",
        "flows2",
      ],
      env,
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /\(duplicate\)/);
    assert.equal((await byKey("shipped", true, "ship-1")).status, 202);
    const done = await until(k1, "completed", (i) => i.status === "completed");
    assert.deepEqual(done.output, { paid: { amount: 5 }, shipped: true, again: null }, "delivered once");
    assert.equal(done.events.filter((event) => event.name === "paid").length, 1);
    assert.deepEqual((await describeInstance(k2)).events, [], "another key got nothing");
    await post(`/workflows/${k2}/cancel`, {});
    await until(k2, "cancelled", (i) => i.status === "cancelled");
  });

  it("starts an instance per HTTP request and per queue message, once per idempotency key", async () => {
    const request = () =>
      fetch(`${nimbus.url}/orders?src=web`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "web-1" },
        body: JSON.stringify({ order: 1 }),
      });
    const first = await request();
    assert.equal(first.status, 202, await first.clone().text());
    const started = await json<{ instanceId: string; duplicate: boolean }>(first);
    assert.equal(started.instanceId, "triggered-web-1");
    assert.equal((await json<{ duplicate: boolean }>(request())).duplicate, true);
    const done = await until(started.instanceId, "completed", (i) => i.status === "completed");
    assert.deepEqual(done.output, {
      method: "POST",
      path: "/orders",
      query: { src: "web" },
      body: { order: 1 },
    });

    const message = await json<{ messageId: string }>(
      post("/apps/flows2/queues/orders-in/messages", { body: JSON.stringify({ order: 2 }) }),
    );
    const fromQueue = await until(
      `triggered-msg-${message.messageId}`,
      "completed",
      (i) => i.status === "completed",
    );
    assert.deepEqual(fromQueue.output, { messageId: message.messageId, body: { order: 2 } });
  });

  it("parks an instance whose replays cannot answer after its attempts, with the reason", async () => {
    const id = await start("broken", null);
    const parked = await until(id, "parked", (i) => i.status === "parked");
    assert.match(String(parked.error), /could not run \(2 of 2 attempts\)/);
    assert.match(String(parked.error), /not a replay answer/);
    assert.match(String(parked.error), /nimbus workflows retry/);
    const stuck = await json<{ instances: { id: string; status: string }[] }>(
      nimbus.admin("/apps/flows2/workflows?workflow=broken"),
    );
    assert.equal(stuck.instances.find((instance) => instance.id === id)?.status, "parked");
  });
});
