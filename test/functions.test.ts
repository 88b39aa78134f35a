// The function runtime through the real server: real processes, real HTTP, a real SQLite file.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, isAlive, json, waitFor } from "./helpers.ts";

interface Invocation {
  requestId: string;
  functionName: string;
  cold: boolean;
  status: string;
  errorCode?: string;
  peakMemoryMb?: number;
  billedDurationMs: number;
  initDurationMs?: number;
}

describe("functions through the gateway", () => {
  let nimbus: TestPlatform;
  const get = (path: string, init?: RequestInit) => fetch(`${nimbus.url}${path}`, init);
  const invocation = (requestId: string) =>
    waitFor(async () => {
      const response = await nimbus.admin(`/invocations/${requestId}`);
      return response.ok ? ((await response.json()) as Invocation) : undefined;
    }, `the invocation record of ${requestId}`);
  const running = async (fn: string) => {
    const app = await json<{ functions: { name: string; instances: { running: number } }[] }>(
      nimbus.admin("/apps/lab"),
    );
    return app.functions.find((f) => f.name === fn)?.instances.running;
  };

  before(async () => {
    process.env.NIMBUS_TEST_SERVER_SECRET = "must-not-leak";
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "lab") });
  });
  after(async () => {
    delete process.env.NIMBUS_TEST_SERVER_SECRET;
    await nimbus?.stop();
  });

  it("serves the first call cold and the next warm, and records both", async () => {
    const first = await get("/idle/pid");
    const second = await get("/idle/pid");
    assert.equal(first.status, 200);
    assert.equal((await first.json()).pid, (await second.json()).pid);
    const [cold, warm] = await Promise.all([
      invocation(first.headers.get("x-request-id") as string),
      invocation(second.headers.get("x-request-id") as string),
    ]);
    assert.equal(cold.cold, true);
    assert.ok((cold.initDurationMs ?? -1) >= 0, "a cold call records its init time");
    assert.equal(warm.cold, false);
    assert.equal(warm.status, "success");
    assert.ok((warm.peakMemoryMb ?? 0) > 10, "peak memory is recorded");
    assert.ok(warm.billedDurationMs >= 1);
  });

  it("scales to zero after keepWarm, and keeps min instances warm", async () => {
    await get("/idle/pid");
    assert.equal(await running("idle"), 1);
    await waitFor(async () => (await running("idle")) === 0, "the idle function to scale to zero");
    // `warm` has min: 1 and the same short keepWarm: its instance stays without any call.
    assert.equal(await running("warm"), 1);
    const before = await json<{ pid: number }>(get("/warm/pid"));
    await waitFor(async () => (await running("idle")) === 0, "keepWarm to pass");
    const afterIdle = await json<{ pid: number }>(get("/warm/pid"));
    assert.equal(afterIdle.pid, before.pid, "the min instance was not stopped");
  });

  it("does not start more instances than needed for a burst of cold calls", async () => {
    // perInstance: 4 → four concurrent calls fit on one instance.
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => json<{ pid: number }>(get("/shared/sleep?ms=300"))),
    );
    assert.equal(new Set(answers.map((answer) => answer.pid)).size, 1);
    // eight calls need two instances, not eight (on a loaded machine the first may even
    // free up before the second starts, so one can be enough).
    const more = await Promise.all(
      Array.from({ length: 8 }, () => json<{ pid: number }>(get("/shared/sleep?ms=300"))),
    );
    assert.ok(new Set(more.map((answer) => answer.pid)).size <= 2);
  });

  it("answers 429 with Retry-After once every instance is busy and the queue is full", async () => {
    // lab: max 2 instances × 1 call, queue 1 → the fourth concurrent call is refused.
    const responses = await Promise.all(Array.from({ length: 4 }, () => get("/lab/sleep?ms=400")));
    const statuses = responses.map((response) => response.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const refused = responses.find((response) => response.status === 429) as Response;
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal((await refused.json()).error.code, "TOO_MANY_REQUESTS");
  });

  it("kills an instance that runs past its timeout and replaces it", async () => {
    const { pid } = await json<{ pid: number }>(get("/lab/pid"));
    const started = Date.now();
    const timedOut = await get("/lab/hang");
    assert.equal(timedOut.status, 504);
    assert.equal((await timedOut.json()).error.code, "FUNCTION_TIMEOUT");
    assert.ok(Date.now() - started < 5_000);
    await waitFor(
      () => !isAlive(pid) || (async () => (await json<{ pid: number }>(get("/lab/pid"))).pid !== pid)(),
      "the hung instance to be gone",
    );
    const next = await get("/lab/pid");
    assert.equal(next.status, 200);
    const record = await invocation(timedOut.headers.get("x-request-id") as string);
    assert.equal(record.errorCode, "FUNCTION_TIMEOUT");
  });

  it("kills an instance over its memory limit with FUNCTION_OUT_OF_MEMORY", async () => {
    const response = await get("/lab/oom");
    assert.equal(response.status, 502);
    assert.equal((await response.json()).error.code, "FUNCTION_OUT_OF_MEMORY");
    assert.equal((await get("/lab/pid")).status, 200, "the pool recovers");
  });

  it("fails only the call of a crashed instance and recovers", async () => {
    const crashed = await get("/lab/crash");
    assert.equal(crashed.status, 502);
    assert.equal((await crashed.json()).error.code, "FUNCTION_ERROR");
    assert.equal((await get("/lab/pid")).status, 200);
  });

  it("reports a throw as FUNCTION_ERROR and logs the stack at the TypeScript line", async () => {
    const thrown = await get("/lab/throw");
    assert.equal(thrown.status, 502);
    const body = await thrown.json();
    assert.equal(body.error.code, "FUNCTION_ERROR");
    assert.doesNotMatch(JSON.stringify(body), /lab\.ts/, "the stack is not sent to the client");
    const requestId = thrown.headers.get("x-request-id") as string;
    const lines = await waitFor(async () => {
      const { lines } = await json<{ lines: { message: string; level: string }[] }>(
        nimbus.admin(`/apps/lab/logs?requestId=${requestId}`),
      );
      return lines.some((line) => line.message.includes("exploded on purpose")) && lines;
    }, "the stack in the logs");
    const stack = lines.map((line) => line.message).join("\n");
    assert.match(stack, /lab\.ts:5:\d+/, "the frame names the TypeScript source line of the throw");
  });

  it("refuses a fetch handler that does not return a Response", async () => {
    const response = await get("/lab/bad");
    assert.equal(response.status, 502);
    assert.equal((await response.json()).error.code, "FUNCTION_RESPONSE_INVALID");
  });

  it("gives functions a clean environment: declared env and Nimbus variables only", async () => {
    const env = await json<Record<string, string>>(get("/lab/env"));
    assert.equal(env.DECLARED, "yes");
    assert.equal(env.NIMBUS_FUNCTION_NAME, "lab");
    assert.equal(env.NIMBUS_APP, "lab");
    assert.equal(env.NIMBUS_PLATFORM_URL, nimbus.url);
    assert.equal(env.NIMBUS_FUNCTION_MEMORY_MB, "128");
    assert.equal(env.NIMBUS_TEST_SERVER_SECRET, undefined);
    assert.equal(env.NODE_EXTRA_CA_CERTS, undefined);
    assert.equal(env.HOME, undefined);
  });

  it("captures everything a function prints, line by line, with its request id", async () => {
    const response = await get("/lab/log");
    const requestId = response.headers.get("x-request-id") as string;
    const lines = await waitFor(async () => {
      const { lines } = await json<{ lines: { message: string; level: string; requestId: string }[] }>(
        nimbus.admin(`/apps/lab/logs?requestId=${requestId}`),
      );
      return lines.length >= 2 && lines;
    }, "two log lines");
    assert.deepEqual(
      lines.map((line) => [line.level, line.message, line.requestId]),
      [
        ["info", "line one", requestId],
        ["error", "line two\nwith a newline", requestId],
      ],
    );
  });

  it("passes binary bodies through byte for byte, both handler styles", async () => {
    const bytes = new Uint8Array(256 * 1024).map((_, index) => (index * 31) % 256);
    const fetchStyle = await get("/lab/echo", { method: "POST", body: bytes });
    assert.deepEqual(new Uint8Array(await fetchStyle.arrayBuffer()), bytes);
    const lambdaStyle = await get("/echo/binary", {
      method: "POST",
      body: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    assert.equal(lambdaStyle.status, 200);
    assert.deepEqual(new Uint8Array(await lambdaStyle.arrayBuffer()), bytes);
  });

  it("puts an x-request-id on every response and JSON errors on platform errors", async () => {
    const missing = await get("/nowhere");
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal((await missing.json()).error.code, "ROUTE_NOT_FOUND");
    const tooLarge = await get("/lab/echo", { method: "POST", body: new Uint8Array(7 * 1024 * 1024) });
    assert.equal(tooLarge.status, 413);
    assert.equal((await tooLarge.json()).error.code, "PAYLOAD_TOO_LARGE");
  });
});
