// The shipped custom-runtime examples run as their manifests say: bash with curl, and plain
// Python 3, each behind HTTP routes, with their logs attributed to the call.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { json, REPO, waitFor } from "./helpers.ts";

const example = (name: string) => join(REPO, "examples", name);

async function logLines(nimbus: TestPlatform, app: string, requestId: string): Promise<string[]> {
  const { lines } = await json<{ lines: { message: string }[] }>(
    nimbus.admin(`/apps/${app}/logs?requestId=${requestId}`),
  );
  return lines.map((line) => line.message);
}

async function functionLog(nimbus: TestPlatform, app: string, fn: string): Promise<string[]> {
  const { lines } = await json<{ lines: { message: string }[] }>(
    nimbus.admin(`/apps/${app}/logs?function=${fn}`),
  );
  return lines.map((line) => line.message);
}

async function sendJobs(nimbus: TestPlatform, app: string, bodies: string[]): Promise<void> {
  const response = await nimbus.admin(`/apps/${app}/queues/jobs/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ entries: bodies.map((body) => ({ body })) }),
  });
  assert.equal(response.status, 201, await response.text());
}

async function queueStats(nimbus: TestPlatform, app: string): Promise<{ visible: number; inFlight: number }> {
  return (
    await json<{ stats: { visible: number; inFlight: number } }>(nimbus.admin(`/apps/${app}/queues/jobs`))
  ).stats;
}

describe("examples/runtime-bash (the classic shell bootstrap with curl)", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: example("runtime-bash") });
  });
  after(() => nimbus?.stop());

  it("serves a path parameter and a POST body, and logs what the handler printed", async () => {
    const response = await fetch(`${nimbus.url}/greet/Ada`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-runtime"), "bash");
    assert.deepEqual(await response.json(), { message: "Hello, Ada!", runtime: "bash" });
    const posted = await fetch(`${nimbus.url}/greet`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Grace" }),
    });
    assert.deepEqual(await posted.json(), { message: "Hello, Grace!", runtime: "bash" });
    const requestId = posted.headers.get("x-request-id") as string;
    const lines = await waitFor(async () => {
      const found = await logLines(nimbus, "runtime-bash", requestId);
      return found.length > 0 ? found : undefined;
    }, "the bash handler's log line");
    assert.match(lines[0] as string, /^greeting Grace from bash \d/);
  });

  it("consumes queue events: a batch of SQS records reaches the shell handler", async () => {
    await sendJobs(nimbus, "runtime-bash", ["wash", "dry"]);
    await waitFor(async () => {
      const lines = (await functionLog(nimbus, "runtime-bash", "jobs")).join("\n");
      return lines.includes("wash") && lines.includes("dry");
    }, "the bash worker to log both jobs");
    await waitFor(async () => {
      const stats = await queueStats(nimbus, "runtime-bash");
      return stats.visible === 0 && stats.inFlight === 0;
    }, "the handled jobs to be deleted");
  });
});

describe("examples/runtime-python (a bootstrap in plain Python 3)", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: example("runtime-python") });
  });
  after(() => nimbus?.stop());

  it("keeps state in its warm instance across calls", async () => {
    const created = await fetch(`${nimbus.url}/notes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "buy milk" }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json();
    const read = await fetch(`${nimbus.url}/notes/${id}`);
    assert.deepEqual(await read.json(), { id, text: "buy milk" });
    assert.equal((await fetch(`${nimbus.url}/notes/999`)).status, 404);
  });

  it("gets the Lambda context and its declared env", async () => {
    const body = await json<Record<string, unknown>>(fetch(`${nimbus.url}/whoami`));
    assert.equal(body.greeting, "Hello");
    assert.equal(body.function, "notes");
    assert.equal(body.arn, "arn:aws:lambda:local:000000000000:function:notes");
    assert.ok((body.remainingMs as number) > 0 && (body.remainingMs as number) <= 5000);
    assert.match(body.python as string, /^3\./);
  });

  it("reports a handler exception through /error: 502 for the client, the traceback in the logs", async () => {
    const response = await fetch(`${nimbus.url}/notes`, { method: "POST", body: "{}" });
    assert.equal(response.status, 502);
    assert.equal((await response.json()).error.code, "FUNCTION_ERROR");
    const requestId = response.headers.get("x-request-id") as string;
    const lines = await waitFor(async () => {
      const found = await logLines(nimbus, "runtime-python", requestId);
      return found.some((line) => line.startsWith("ValueError")) ? found : undefined;
    }, "the reported error in the logs");
    assert.ok(lines.some((line) => /ValueError: a note needs a text\n.*function\.py/s.test(line)));
  });

  it("consumes queue events, and reports failed records back (batchItemFailures)", async () => {
    await sendJobs(nimbus, "runtime-python", ["resize", "fail"]);
    await waitFor(async () => {
      const lines = (await functionLog(nimbus, "runtime-python", "worker")).join("\n");
      return /job \S+: resize/.test(lines) && /job \S+: fail/.test(lines);
    }, "the Python worker to log both jobs");
    // The handled job is deleted; the failed one waits out its visibility timeout to be retried.
    await waitFor(async () => {
      const stats = await queueStats(nimbus, "runtime-python");
      return stats.visible === 0 && stats.inFlight === 1;
    }, "only the failed job to stay in flight");
  });
});
