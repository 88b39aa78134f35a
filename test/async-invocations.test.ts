// Async invocation through the real server: 202 with an id once stored, retries with backoff
// (exact attempt numbers), dead-letter queue and destinations, idempotency keys, throttled
// calls retried later, the record with every attempt, and the CLI.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AsyncAttempt } from "../src/store/async-invocation-ports.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

const BASE_DELAY_MS = 200;

interface Accepted {
  invocationId: string;
  duplicate: boolean;
  status: string;
}

interface AsyncRecord {
  id: string;
  status: string;
  functionName: string;
  payload: string;
  countedAttempts: number;
  finalReason?: string;
  attempts: AsyncAttempt[];
}

describe("async invocation", () => {
  let nimbus: TestPlatform;
  const root = mkdtempSync(join(tmpdir(), "nimbus-async-"));

  before(async () => {
    nimbus = await startTestPlatform({
      appDir: join(FIXTURES, "async-jobs"),
      options: { asyncRetryBaseDelayMs: BASE_DELAY_MS },
    });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  function invokeAsync(fn: string, payload: unknown, idempotencyKey?: string): Promise<Response> {
    return nimbus.admin(`/apps/jobs/functions/${fn}/invoke-async`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(idempotencyKey ? { "x-nimbus-idempotency-key": idempotencyKey } : {}),
      },
      body: JSON.stringify(payload),
    });
  }

  async function accepted(fn: string, payload: unknown, idempotencyKey?: string): Promise<Accepted> {
    const response = await invokeAsync(fn, payload, idempotencyKey);
    assert.equal(response.status, 202, await response.clone().text());
    return json<Accepted>(response);
  }

  function record(id: string): Promise<AsyncRecord> {
    return json<AsyncRecord>(nimbus.admin(`/async-invocations/${id}`));
  }

  async function finished(id: string): Promise<AsyncRecord> {
    return waitFor(async () => {
      const current = await record(id);
      return current.status === "succeeded" || current.status === "failed" ? current : undefined;
    }, `invocation ${id} to finish`);
  }

  async function receiveOne(queue: string): Promise<{ body: string; attributes: Record<string, string> }> {
    return waitFor(async () => {
      const response = await nimbus.admin(`/apps/jobs/queues/${queue}/receive`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ maxMessages: 1 }),
      });
      const { messages } = await json<{ messages: { body: string; attributes: Record<string, string> }[] }>(
        response,
      );
      return messages[0];
    }, `a message in ${queue}`);
  }

  it("answers 202 with an id, runs the function once and sends the result to onSuccess", async () => {
    const { invocationId, duplicate } = await accepted("ok", { n: 21 });
    assert.equal(duplicate, false);
    const done = await finished(invocationId);
    assert.equal(done.status, "succeeded");
    assert.deepEqual(
      done.attempts.map((a) => [a.attempt, a.outcome]),
      [[1, "success"]],
    );
    const destination = JSON.parse((await receiveOne("results")).body) as {
      requestContext: { requestId: string; condition: string; approximateInvokeCount: number };
      requestPayload: unknown;
      responsePayload: unknown;
    };
    assert.deepEqual(destination.requestContext.requestId, invocationId);
    assert.equal(destination.requestContext.condition, "Success");
    assert.deepEqual(destination.requestPayload, { n: 21 });
    assert.deepEqual(destination.responsePayload, { doubled: 42 });
  });

  it("retries a failing function with backoff, then sends it to the dead-letter queue and onFailure", async () => {
    const { invocationId } = await accepted("broken", { reason: "disk full" });
    const done = await finished(invocationId);
    assert.equal(done.status, "failed");
    assert.deepEqual(
      done.attempts.map((a) => [a.attempt, a.outcome, a.errorCode]),
      [
        [1, "error", "FUNCTION_ERROR"],
        [2, "error", "FUNCTION_ERROR"],
        [3, "error", "FUNCTION_ERROR"],
      ],
      "maximumRetryAttempts: 2 means three attempts",
    );
    // Equal jitter: the n-th retry waits at least half of base × 2^(n-1).
    const [first, second, third] = done.attempts as [AsyncAttempt, AsyncAttempt, AsyncAttempt];
    assert.ok(second.startedAt - (first.startedAt + first.durationMs) >= BASE_DELAY_MS / 2 - 5);
    assert.ok(third.startedAt - (second.startedAt + second.durationMs) >= BASE_DELAY_MS - 5);
    assert.match(done.finalReason ?? "", /RetriesExhausted: FUNCTION_ERROR .*cannot do it: disk full/);

    const dead = await receiveOne("dead");
    assert.deepEqual(JSON.parse(dead.body), { reason: "disk full" });
    assert.equal(dead.attributes.RequestID, invocationId);
    assert.equal(dead.attributes.ErrorCode, "FUNCTION_ERROR");
    const failure = JSON.parse((await receiveOne("failures")).body) as {
      requestContext: { condition: string; approximateInvokeCount: number };
      responsePayload: { errorMessage: string };
    };
    assert.equal(failure.requestContext.condition, "RetriesExhausted");
    assert.equal(failure.requestContext.approximateInvokeCount, 3);
    assert.match(failure.responsePayload.errorMessage, /disk full/);
  });

  it("publishes a failure to an onFailure topic as Lambda's EventBridge destination event", async () => {
    const { invocationId } = await accepted("reported", { reason: "no paper" });
    assert.equal((await finished(invocationId)).status, "failed");
    const event = JSON.parse((await receiveOne("outcome-events")).body) as {
      id: string;
      source: string;
      type: string;
      data: {
        requestContext: { requestId: string; condition: string };
        responsePayload: { errorMessage: string };
      };
    };
    assert.equal(event.id, `${invocationId}:failure`, "one event per invocation and outcome");
    assert.equal(event.source, "lambda");
    assert.equal(event.type, "Lambda Function Invocation Result - Failure");
    assert.equal(event.data.requestContext.requestId, invocationId);
    assert.equal(event.data.requestContext.condition, "RetriesExhausted");
    assert.match(event.data.responsePayload.errorMessage, /no paper/);
  });

  it("returns the first invocation for a repeated idempotency key", async () => {
    const first = await accepted("ok", { n: 1 }, "order-7");
    const repeat = await accepted("ok", { n: 1 }, "order-7");
    assert.equal(repeat.duplicate, true);
    assert.equal(repeat.invocationId, first.invocationId);
    const { invocations } = await json<{ invocations: AsyncRecord[] }>(
      nimbus.admin("/apps/jobs/async-invocations?function=ok&limit=100"),
    );
    assert.equal(invocations.filter((i) => i.id === first.invocationId).length, 1);
    await finished(first.invocationId);
  });

  it("retries a throttled call (429) later without using up a retry", async () => {
    const busy = nimbus.admin("/apps/jobs/functions/slow/invoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ms: 1_500 }),
    });
    await receiveOne("started");
    const { invocationId } = await accepted("slow", { ms: 10 });
    const done = await finished(invocationId);
    assert.equal((await busy).status, 200);
    assert.equal(done.status, "succeeded");
    const outcomes = done.attempts.map((a) => a.outcome);
    assert.equal(outcomes[0], "throttled");
    assert.equal(outcomes.at(-1), "success");
    assert.ok(outcomes.slice(0, -1).every((outcome) => outcome === "throttled"));
    assert.equal(done.countedAttempts, 1, "only the successful attempt counts");
  });

  it("refuses unknown functions and oversize payloads, storing nothing", async () => {
    const unknown = await invokeAsync("nope", {});
    assert.equal(unknown.status, 404);
    assert.equal((await json<{ error: { code: string } }>(unknown)).error.code, "FUNCTION_NOT_FOUND");
    const big = await invokeAsync("ok", { data: "x".repeat(256 * 1024) });
    assert.equal(big.status, 413);
    assert.equal((await json<{ error: { code: string } }>(big)).error.code, "PAYLOAD_TOO_LARGE");
    const { invocations } = await json<{ invocations: AsyncRecord[] }>(
      nimbus.admin("/apps/jobs/async-invocations?limit=1000"),
    );
    assert.ok(invocations.every((i) => i.functionName !== "nope" && i.payload.length < 1_000));
  });

  it("queues from the CLI and shows every attempt", async () => {
    const env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    const queued = await runCli(["invoke", "broken", "--async", "--data", '{"reason":"cli"}', "--json"], env);
    assert.equal(queued.code, 0, queued.stderr);
    const { invocationId } = JSON.parse(queued.stdout) as Accepted;
    await finished(invocationId);
    const shown = await runCli(["async", "show", invocationId], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^${invocationId} {2}broken {2}failed {2}attempts=3`, "m"));
    assert.match(shown.stdout, /^ {2}#1 {2}error .*FUNCTION_ERROR: /m);
    assert.match(shown.stdout, /^ {2}#3 {2}error /m);
    const listed = await runCli(["async", "ls", "broken"], env);
    assert.match(listed.stdout, new RegExp(invocationId));
  });
});

describe("async invocation across a kill -9", () => {
  const root = mkdtempSync(join(tmpdir(), "nimbus-async-kill-"));
  const servers: ServerProcess[] = [];
  const env = { NIMBUS_ADMIN_KEY: "nk_test_async_kill_0123456789abcdef", XDG_CONFIG_HOME: root };
  after(async () => {
    for (const server of servers) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function up(): Promise<ServerProcess> {
    const server = await startServer(["up", "--port", "0", "--data-dir", join(root, "data")], env);
    servers.push(server);
    return server;
  }

  it("runs every accepted invocation after the platform is killed and restarted", async () => {
    const first = await up();
    assert.equal((await runCli(["deploy", join(FIXTURES, "async-jobs"), "--url", first.url], env)).code, 0);
    const headers = { authorization: `Bearer ${env.NIMBUS_ADMIN_KEY}`, "content-type": "application/json" };
    const ids: string[] = [];
    // One slow call keeps the only instance busy, so the others are still waiting at the kill.
    for (const ms of [2_000, 10, 10, 10, 10]) {
      const response = await fetch(`${first.url}/_nimbus/apps/jobs/functions/slow/invoke-async`, {
        method: "POST",
        headers,
        body: JSON.stringify({ ms }),
      });
      assert.equal(response.status, 202);
      ids.push(((await response.json()) as Accepted).invocationId);
    }
    await first.kill();

    const second = await up();
    for (const id of ids) {
      const done = await waitFor(
        async () => {
          const response = await fetch(`${second.url}/_nimbus/async-invocations/${id}`, { headers });
          const current = (await response.json()) as AsyncRecord;
          return current.status === "succeeded" ? current : undefined;
        },
        `invocation ${id} to succeed after the restart`,
        40_000,
      );
      assert.equal(done.attempts.at(-1)?.outcome, "success");
    }
  });
});
