// Durable workflows through the real server: start (idempotent by instance id), journaled
// steps, recorded values, timers, events delivered once, a timeout racing an event, exact
// retry counts and non-retryable errors, nondeterminism parking, cancel, describe/history,
// authorization and bad input.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

interface HistoryEntry {
  seq: number;
  key: string;
  kind: string;
  state: string;
  output: unknown;
  error: { name: string; message: string; nonRetryable: boolean } | undefined;
  attempts: number;
  wakeAt?: number;
  startedAt: number;
  finishedAt?: number;
}

interface Described {
  id: string;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  invocations: number;
  history: HistoryEntry[];
  events: { eventId: string; name: string; consumed: boolean }[];
}

describe("workflows", () => {
  let nimbus: TestPlatform;
  // A copy the nondeterminism test edits and redeploys; inside the repository, so the function
  // code resolves "nimbus/sdk" through the package's own exports.
  const appDir = mkdtempSync(join(FIXTURES, ".tmp-workflows-"));

  before(async () => {
    cpSync(join(FIXTURES, "workflows"), appDir, { recursive: true });
    nimbus = await startTestPlatform({ appDir });
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

  async function start(workflow: string, input: unknown, instanceId?: string) {
    const response = await post(`/apps/flows/workflows/${workflow}/instances`, { input, instanceId });
    assert.ok(response.status === 201 || response.status === 200, await response.clone().text());
    return json<{ instanceId: string; duplicate: boolean; status: string }>(response);
  }

  const describeInstance = (id: string) => json<Described>(nimbus.admin(`/workflows/${id}`));

  function until(id: string, what: string, check: (instance: Described) => boolean): Promise<Described> {
    return waitFor(
      async () => {
        const instance = await describeInstance(id);
        return check(instance) ? instance : undefined;
      },
      `${id}: ${what}`,
      20_000,
    );
  }

  const sendEvent = (id: string, name: string, payload: unknown, eventId?: string) =>
    post(`/workflows/${id}/events`, { name, payload, eventId });

  it("runs steps once, sleeps durably, waits for an event delivered once, and records everything", async () => {
    const started = await start("order", { item: "book", sleep: "100ms" }, "order-1");
    assert.deepEqual(started, { instanceId: "order-1", status: "running", duplicate: false });
    const again = await start("order", { item: "other", sleep: "1s" }, "order-1");
    assert.equal(again.duplicate, true, "a repeated instance id is the same instance");

    const waiting = await until("order-1", "waiting for the approval", (i) =>
      i.history.some((entry) => entry.key === "event:approval#1"),
    );
    assert.equal(waiting.status, "running");
    const sleep = waiting.history.find((entry) => entry.kind === "sleep");
    assert.equal(sleep?.state, "done");
    assert.ok((sleep?.finishedAt ?? 0) >= (sleep?.wakeAt ?? Infinity), "the timer fired after it was due");

    const first = await sendEvent("order-1", "approval", { ok: true }, "approval-1");
    assert.equal(first.status, 202);
    assert.equal((await json<{ duplicate: boolean }>(first)).duplicate, false);
    const duplicate = await json<{ duplicate: boolean }>(
      sendEvent("order-1", "approval", { ok: false }, "approval-1"),
    );
    assert.equal(duplicate.duplicate, true);

    const done = await until("order-1", "completed", (i) => i.status === "completed");
    const output = done.output as Record<string, unknown>;
    assert.deepEqual(output.reserved, { id: "r-book", key: "order-1:step:reserve#1" });
    assert.deepEqual(output.approval, { ok: true }, "the first event with that id, delivered once");
    assert.equal(output.shipped, "shipped r-book");
    assert.equal(done.input && (done.input as { item: string }).item, "book", "the first start's input");
    // Every replay re-ran the function, but each step ran once and kept its first result.
    assert.ok(done.invocations >= 3);
    assert.deepEqual(
      done.history.map((entry) => [entry.seq, entry.key, entry.state]),
      [
        [0, "step:reserve#1", "done"],
        [1, "value:now#1", "done"],
        [2, "value:uuid#1", "done"],
        [3, "sleep:sleep#1", "done"],
        [4, "event:approval#1", "done"],
        [5, "step:ship#1", "done"],
        [6, "value:now#2", "done"],
      ],
    );
    assert.equal(done.history[0]?.attempts, 1);
    assert.equal(output.token, done.history[2]?.output, "ctx.uuid() is the recorded value");
    assert.deepEqual(
      done.events.map((event) => [event.eventId, event.consumed]),
      [["approval-1", true]],
    );
  });

  it("retries a step exactly as its policy says and stops at a non-retryable error", async () => {
    const { instanceId } = await start("retries", null);
    const failed = await until(instanceId, "failed", (i) => i.status === "failed");
    // A retry gives the last failed step fresh attempts (it fails again: it always throws).
    assert.equal((await post(`/workflows/${instanceId}/retry`, {})).status, 200);
    const again = await until(
      instanceId,
      "failed again",
      (i) => i.status === "failed" && i.invocations > failed.invocations,
    );
    assert.equal(again.history.find((entry) => entry.key === "step:fatal#1")?.attempts, 1);
    assert.equal(again.history.find((entry) => entry.key === "step:flaky#1")?.attempts, 3, "kept");
    const byName = new Map(failed.history.map((entry) => [entry.key, entry]));
    assert.equal(byName.get("step:flaky#1")?.attempts, 3);
    assert.equal(byName.get("step:flaky#1")?.output, 3);
    assert.equal(byName.get("step:doomed#1")?.attempts, 2, "two attempts in all, then it failed");
    assert.match(byName.get("step:doomed#1")?.error?.message ?? "", /no luck on attempt 2/);
    assert.equal(byName.get("step:fatal#1")?.attempts, 1, "a NonRetryableError is not retried");
    assert.equal(byName.get("step:fatal#1")?.error?.nonRetryable, true);
    assert.match(JSON.stringify(failed.error), /step \\"fatal\\" failed after 1 attempt: card declined/);
  });

  it("a waitForEvent timeout and an event: exactly one wins, and a late event changes nothing", async () => {
    // The deadline passes before any event: the first wait times out. The second wait's deadline
    // is long, so the late event is delivered to it, and the first wait's outcome stays.
    const { instanceId } = await start("race", { timeoutMs: 50, secondTimeoutMs: 60_000 });
    await until(instanceId, "the first wait timed out", (i) =>
      i.history.some((entry) => entry.key === "event:go#1" && entry.state === "done"),
    );
    const sent = await json<{ duplicate: boolean }>(sendEvent(instanceId, "go", "late", "late-1"));
    assert.equal(sent.duplicate, false);
    const done = await until(instanceId, "completed", (i) => i.status === "completed");
    assert.deepEqual(done.output, { event: "timed out", second: "late" });
    const consumed = done.events.filter((event) => event.consumed).length;
    assert.equal(consumed, 1, "an event is consumed only by the wait it won");

    // An event sent at once, against a long deadline, wins.
    const quick = await start("race", { timeoutMs: 60_000 });
    await sendEvent(quick.instanceId, "go", "first", "e1");
    await sendEvent(quick.instanceId, "go", "second", "e2");
    const both = await until(quick.instanceId, "completed", (i) => i.status === "completed");
    assert.deepEqual(both.output, { event: "first", second: "second" });
  });

  it("fans out over function invocations and commits the calls started together in one replay", async () => {
    const { instanceId } = await start("fanout", { values: [1, 2, 3, 4, 5] });
    const done = await until(instanceId, "completed", (i) => i.status === "completed");
    assert.equal(done.output, 30);
    assert.deepEqual(
      done.history.map((entry) => [entry.key, entry.output]),
      [1, 2, 3, 4, 5].map((value, index) => [`step:invoke:double#${index + 1}`, value * 2]),
    );
    // One replay ran the five calls and committed them; the next one returned the sum.
    assert.equal(done.invocations, 2);
  });

  it("continues as new with an empty history, keeping events sent in a burst", async () => {
    const { instanceId } = await start("counter", { total: 0, target: 15, runs: 0 });
    for (const value of [1, 2, 3, 4, 5]) {
      const sent = await sendEvent(instanceId, "add", value, `add-${value}`);
      assert.equal(sent.status, 202);
    }
    const done = await until(instanceId, "completed", (i) => i.status === "completed");
    assert.deepEqual(done.output, { total: 15, target: 15, runs: 5 }, "every event counted once");
    assert.deepEqual(done.history, [], "each run started with an empty journal");
    assert.ok(done.events.every((event) => event.consumed));
  });

  it("parks an instance whose replay asks for a different step, and its history stops growing", async () => {
    // Both start on version 1 and wait; version 2 renames the first step.
    const kept = await start("branching", null);
    const { instanceId } = await start("branching", null);
    for (const id of [kept.instanceId, instanceId]) {
      await until(id, "waiting", (i) => i.history.some((entry) => entry.key === "event:go#1"));
    }
    const file = join(appDir, "src", "branching.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace('ctx.step("first"', 'ctx.step("renamed"'));
    await nimbus.deploy(appDir);
    // A redeploy does not touch running instances: they stay on the version they started on.
    await sendEvent(kept.instanceId, "go", true);
    const completed = await until(kept.instanceId, "completed on v1", (i) => i.status === "completed");
    assert.deepEqual(
      completed.history.map((entry) => entry.key),
      ["step:first#1", "event:go#1", "step:after#1"],
    );
    // One that failed on version 1 and is retried resumes on version 2: nondeterministic.
    await sendEvent(instanceId, "go", "fail");
    await until(instanceId, "failed on v1", (i) => i.status === "failed");
    assert.equal((await post(`/workflows/${instanceId}/retry`, {})).status, 200);
    const parked = await until(instanceId, "parked", (i) => i.status === "parked");
    assert.match(
      String(parked.error),
      /nondeterminism: at position 0 the workflow asked for "step:renamed#1"/,
    );
    assert.match(String(parked.error), /journal holds "step:first#1"/);
    assert.deepEqual(
      parked.history.map((entry) => [entry.key, entry.state]),
      [
        ["step:first#1", "done"],
        ["event:go#1", "done"],
      ],
    );
    const refused = await sendEvent(instanceId, "go", true);
    assert.equal(refused.status, 409);
    assert.equal((await json<{ error: { code: string } }>(refused)).error.code, "WORKFLOW_NOT_RUNNING");
    assert.equal((await describeInstance(instanceId)).history.length, 2);

    // The fix is deployed and the parked instance retried: it resumes where it stopped.
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace('ctx.step("renamed"', 'ctx.step("first"')
        .replace('go === "fail"', 'go === "never"'),
    );
    await nimbus.deploy(appDir);
    const retried = await post(`/workflows/${instanceId}/retry`, {});
    assert.equal(retried.status, 200, await retried.clone().text());
    const done = await until(instanceId, "completed after the retry", (i) => i.status === "completed");
    assert.equal(done.output, "fail");
    assert.deepEqual(
      done.history.map((entry) => entry.key),
      ["step:first#1", "event:go#1", "step:after#1"],
    );
    assert.equal((await post(`/workflows/${instanceId}/retry`, {})).status, 409, "only failed or parked");
  });

  it("is started, signalled and read through nimbus/sdk with the function's own rights", async () => {
    const response = await post("/apps/flows/functions/starter/invoke", { instanceId: "sdk-1" });
    assert.equal(response.status, 200, await response.clone().text());
    const invoked = await json<{ status: string; body: string }>(response);
    assert.equal(invoked.status, "success", invoked.body);
    const result = JSON.parse(invoked.body) as {
      started: { instanceId: string; duplicate: boolean };
      again: { duplicate: boolean };
      sent: { eventId: string; duplicate: boolean };
      status: string;
      denied: string;
    };
    assert.deepEqual(result.started, { instanceId: "sdk-1", status: "running", duplicate: false });
    assert.equal(result.again.duplicate, true);
    assert.deepEqual(result.sent, { eventId: "sdk-approval", duplicate: false });
    assert.equal(result.denied, "ACCESS_DENIED", "its permissions name only workflow/order");
    const done = await until("sdk-1", "completed", (i) => i.status === "completed");
    assert.deepEqual((done.output as { approval: unknown }).approval, { ok: "sdk" });
  });

  it("works from the CLI: start, ls, signal, describe, history, cancel", async () => {
    const env = { NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: appDir };
    const cli = (...args: string[]) => runCli([...args, "--url", nimbus.url, "--app", "flows"], env);
    const started = await cli(
      "workflows",
      "start",
      "order",
      '{"item":"cli","sleep":"10ms"}',
      "--id",
      "cli-1",
    );
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /Started order instance cli-1/);
    assert.match((await cli("workflows", "start", "order", "{}", "--id", "cli-1")).stdout, /Already started/);
    assert.match((await cli("workflows", "ls", "--workflow", "order")).stdout, /cli-1 {2}order/);
    await until("cli-1", "waiting", (i) => i.history.some((entry) => entry.key === "event:approval#1"));
    const signalled = await cli(
      "workflows",
      "signal",
      "cli-1",
      "approval",
      '{"ok":"cli"}',
      "--event-id",
      "a1",
    );
    assert.match(signalled.stdout, /Sent event a1 \(approval\) to cli-1/);
    await until("cli-1", "completed", (i) => i.status === "completed");
    const described = await cli("workflows", "describe", "cli-1");
    assert.match(described.stdout, /cli-1 {2}order {2}completed/);
    assert.match(described.stdout, /step:reserve#1 {2}done {2}attempts=1/);
    assert.match(described.stdout, /event a1 {2}approval {2}consumed/);
    const history = JSON.parse((await cli("workflows", "history", "cli-1", "--json")).stdout) as {
      history: { key: string }[];
    };
    assert.equal(history.history.length, 7);
    const bad = await cli("workflows", "start", "order", "{not json");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /not JSON/);
    const cancelled = await cli("workflows", "cancel", "cli-1");
    assert.notEqual(cancelled.code, 0, "a completed instance cannot be cancelled");
    assert.match(cancelled.stderr, /WORKFLOW_NOT_RUNNING|completed/);
  });

  it("cancels a waiting instance; lists instances; refuses bad input with a code and stores nothing", async () => {
    const { instanceId } = await start("race", { timeoutMs: 600_000 }, "to-cancel");
    const cancelling = await json<{ cancelRequested: string }>(
      post(`/workflows/${instanceId}/cancel`, { reason: "test" }),
    );
    assert.equal(cancelling.cancelRequested, "test");
    // Its next replay cancels the wait (it has no compensations) and ends it.
    const cancelled = await until(instanceId, "cancelled", (i) => i.status === "cancelled");
    assert.equal(cancelled.error, "test");
    assert.equal((await post(`/workflows/${instanceId}/cancel`, {})).status, 409);

    const listed = await json<{ instances: { id: string; workflow: string }[] }>(
      nimbus.admin("/apps/flows/workflows?workflow=race"),
    );
    assert.ok(listed.instances.some((instance) => instance.id === "to-cancel"));
    assert.ok(listed.instances.every((instance) => instance.workflow === "race"));

    const codeOf = async (response: Response) => [
      response.status,
      (await json<{ error: { code: string } }>(response)).error.code,
    ];
    assert.deepEqual(await codeOf(await post("/apps/flows/workflows/nope/instances", {})), [
      404,
      "WORKFLOW_NOT_FOUND",
    ]);
    assert.deepEqual(
      await codeOf(await post("/apps/flows/workflows/race/instances", { instanceId: "bad id!" })),
      [400, "BAD_REQUEST"],
    );
    assert.deepEqual(
      await codeOf(await post("/apps/flows/workflows/order/instances", { instanceId: "to-cancel" })),
      [409, "WORKFLOW_ID_CONFLICT"],
    );
    assert.deepEqual(await codeOf(await nimbus.admin("/workflows/missing")), [
      404,
      "WORKFLOW_INSTANCE_NOT_FOUND",
    ]);
    assert.deepEqual(await codeOf(await post("/workflows/missing/events", { name: "go" })), [
      404,
      "WORKFLOW_INSTANCE_NOT_FOUND",
    ]);
    const all = await json<{ instances: unknown[] }>(nimbus.admin("/apps/flows/workflows?workflow=nope"));
    assert.deepEqual(all.instances, [], "nothing was stored by the refused starts");
  });
});
