// Custom runtimes through the real server: a real Python bootstrap per instance, talking to
// its own Lambda Runtime API endpoint, behind the real gateway, with real processes killed
// for real. The probe (fixtures/custom-lab/probe/bootstrap) misbehaves on request.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, isAlive, json, waitFor } from "./helpers.ts";

interface StoredLine {
  requestId?: string;
  stream: string;
  level: string;
  message: string;
}

interface Invocation {
  status: string;
  errorCode?: string;
  errorMessage?: string;
  cold: boolean;
  initDurationMs?: number;
  peakMemoryMb?: number;
}

interface ProbeEnv {
  env: Record<string, string>;
  headers: Record<string, string>;
  cwd: string;
  pid: number;
}

interface Probed {
  status: number;
  body: { errorMessage: string; errorType: string };
}

describe("custom runtimes (runtime: custom) through the real server", () => {
  let nimbus: TestPlatform;
  const get = (path: string, init?: RequestInit) => fetch(`${nimbus.url}${path}`, init);
  const logsOf = async (requestId: string): Promise<StoredLine[]> =>
    (await json<{ lines: StoredLine[] }>(nimbus.admin(`/apps/custom-lab/logs?requestId=${requestId}`))).lines;
  const invocation = (requestId: string) =>
    waitFor(async () => {
      const response = await nimbus.admin(`/invocations/${requestId}`);
      return response.ok ? ((await response.json()) as Invocation) : undefined;
    }, `the invocation record of ${requestId}`);
  const probePid = async () => (await json<{ pid: number }>(get("/probe/pid"))).pid;
  const running = async (fn: string) => {
    const app = await json<{ functions: { name: string; instances: { running: number } }[] }>(
      nimbus.admin("/apps/custom-lab"),
    );
    return app.functions.find((f) => f.name === fn)?.instances.running;
  };

  before(async () => {
    process.env.NIMBUS_TEST_SERVER_SECRET = "must-not-leak";
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "custom-lab") });
  });
  after(async () => {
    delete process.env.NIMBUS_TEST_SERVER_SECRET;
    await nimbus?.stop();
  });

  it("gives the bootstrap Lambda's environment and its own Runtime API endpoint", async () => {
    const before = Date.now();
    const response = await get("/probe/env");
    assert.equal(response.status, 200);
    const { env, headers, cwd } = (await response.json()) as ProbeEnv;
    assert.match(env.AWS_LAMBDA_RUNTIME_API as string, /^127\.0\.0\.1:\d+$/);
    assert.equal(env._HANDLER, "probe.run", "the handler path after the function's folder");
    assert.equal(env.LAMBDA_TASK_ROOT, cwd, "the bootstrap runs in its task root");
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, "probe");
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, "1");
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "128");
    assert.equal(env.AWS_REGION, "local");
    assert.equal(env.TZ, "UTC");
    assert.equal(env.PROBE_DECLARED, "from-the-manifest");
    assert.equal(env.NIMBUS_APP, "custom-lab");
    assert.equal(env.NIMBUS_TEST_SERVER_SECRET, undefined, "nothing of the server's environment");
    const requestId = response.headers.get("x-request-id");
    assert.equal(headers["Lambda-Runtime-Aws-Request-Id"], requestId);
    assert.equal(
      headers["Lambda-Runtime-Invoked-Function-Arn"],
      "arn:aws:lambda:local:000000000000:function:probe",
    );
    const deadline = Number(headers["Lambda-Runtime-Deadline-Ms"]);
    assert.ok(deadline >= before + 1000 && deadline <= Date.now() + 1000, "deadline = dispatch + timeout");
    assert.match(headers["Lambda-Runtime-Trace-Id"] as string, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=/);
  });

  it("hands the runtime the same API Gateway v2 event a Node Lambda handler gets", async () => {
    const response = await get("/probe/echo?x=1&x=2", {
      method: "PUT",
      headers: { cookie: "a=1; b=2", "content-type": "text/plain", "x-custom": "yes" },
      body: "hello",
    });
    const event = await response.json();
    assert.equal(event.version, "2.0");
    assert.equal(event.routeKey, "ANY /probe/{action}");
    assert.equal(event.rawPath, "/probe/echo");
    assert.equal(event.rawQueryString, "x=1&x=2");
    assert.deepEqual(event.queryStringParameters, { x: "1,2" });
    assert.deepEqual(event.pathParameters, { action: "echo" });
    assert.deepEqual(event.cookies, ["a=1", "b=2"]);
    assert.equal(event.headers["x-custom"], "yes");
    assert.equal(event.body, "hello");
    assert.equal(event.requestContext.http.method, "PUT");
    assert.equal(event.requestContext.requestId, response.headers.get("x-request-id"));
  });

  it("answers the Runtime API's error paths with Lambda's status codes and error bodies", async () => {
    await get("/probe/pid"); // an answered call on the instance, for "answered twice"
    const response = await get("/probe/contract");
    assert.equal(response.status, 200);
    const results = (await response.json()) as Record<string, Probed>;
    const expect = (name: string, status: number, errorType: string) => {
      const result = results[name] as Probed;
      assert.equal(result.status, status, `${name}: ${JSON.stringify(result)}`);
      assert.equal(result.body.errorType, errorType, name);
      assert.equal(typeof result.body.errorMessage, "string", name);
    };
    expect("unknownId", 400, "InvalidRequestID");
    expect("answeredTwice", 403, "InvalidStateTransition");
    expect("initErrorAfterInit", 403, "InvalidStateTransition");
    expect("unknownPath", 404, "NotFound");
    expect("otherVersion", 404, "NotFound");
    expect("wrongMethod", 405, "MethodNotAllowed");
  });

  it("turns a reported invocation error into FUNCTION_ERROR, with the runtime's error in the logs", async () => {
    const response = await get("/probe/error");
    assert.equal(response.status, 502);
    const body = await response.json();
    assert.equal(body.error.code, "FUNCTION_ERROR");
    assert.doesNotMatch(JSON.stringify(body), /on purpose/, "the client never sees the function's message");
    const requestId = response.headers.get("x-request-id") as string;
    const record = await invocation(requestId);
    assert.equal(record.errorCode, "FUNCTION_ERROR");
    assert.equal(record.errorMessage, "Probe.Failed: the probe failed on purpose");
    const lines = await waitFor(async () => {
      const found = await logsOf(requestId);
      return found.length >= 2 ? found : undefined;
    }, "the call's log lines");
    assert.ok(lines.some((line) => line.message === "probe: about to fail"));
    const reported = lines.find((line) => line.message.startsWith("Probe.Failed"));
    assert.match(
      reported?.message ?? "",
      /the probe failed on purpose\n {4}probe\.py line 10\n {4}probe\.py line 20/,
    );
  });

  it("refuses a response that is not JSON, or over 6 MB, as FUNCTION_RESPONSE_INVALID", async () => {
    const notJson = await get("/probe/badjson");
    assert.equal(notJson.status, 502);
    assert.equal((await notJson.json()).error.code, "FUNCTION_RESPONSE_INVALID");
    const big = await get("/probe/big");
    assert.equal(big.status, 502);
    assert.equal((await big.json()).error.code, "FUNCTION_RESPONSE_INVALID");
    // The runtime itself was told 413 with Lambda's error body.
    await waitFor(async () => {
      const { lines } = await json<{ lines: StoredLine[] }>(
        nimbus.admin("/apps/custom-lab/logs?function=probe"),
      );
      return lines.some((line) => /answered 413 .*RequestEntityTooLarge/.test(line.message));
    }, "the runtime to log the 413 it got");
  });

  it("kills a runtime that answers after its deadline (504), with everything it started", async () => {
    const { pid, child } = await json<{ pid: number; child: number }>(get("/probe/orphan"));
    assert.ok(isAlive(child));
    const response = await get("/probe/sleep");
    assert.equal(response.status, 504);
    assert.equal((await response.json()).error.code, "FUNCTION_TIMEOUT");
    await waitFor(() => !isAlive(pid), "the timed-out bootstrap to be gone");
    await waitFor(() => !isAlive(child), "the process the bootstrap started to be gone too");
    const next = await probePid();
    assert.notEqual(next, pid, "a new instance serves the next call");
  });

  it("fails only the call in flight when the runtime exits, and attributes its last words", async () => {
    const pid = await probePid();
    const response = await get("/probe/exit");
    assert.equal(response.status, 502);
    assert.equal((await response.json()).error.code, "FUNCTION_ERROR");
    const requestId = response.headers.get("x-request-id") as string;
    const lines = await waitFor(async () => {
      const found = await logsOf(requestId);
      return found.some((line) => line.message.includes("exit code 3")) ? found : undefined;
    }, "the exit to be logged");
    assert.ok(lines.some((line) => line.message === "probe: exiting mid-call" && line.stream === "stderr"));
    assert.notEqual(await probePid(), pid);
  });

  it("stops a runtime over its memory size (FUNCTION_OUT_OF_MEMORY)", async () => {
    const response = await get("/probe/hog");
    assert.equal(response.status, 502);
    assert.equal((await response.json()).error.code, "FUNCTION_OUT_OF_MEMORY");
  });

  it("attributes stdout and stderr lines to the call in flight, and records peak memory", async () => {
    const response = await get("/probe/log");
    const requestId = response.headers.get("x-request-id") as string;
    const lines = await waitFor(async () => {
      const found = await logsOf(requestId);
      return found.length >= 2 ? found : undefined;
    }, "both lines");
    assert.deepEqual(
      lines.map((line) => [line.stream, line.message]),
      [
        ["stdout", "probe: a line on stdout"],
        ["stderr", "probe: a line on stderr"],
      ],
    );
    const record = await invocation(requestId);
    assert.equal(record.status, "success");
    assert.ok((record.peakMemoryMb ?? 0) > 1, "peak memory comes from /proc");
  });

  it("takes direct invocations with the payload as the event, and answers the runtime's bytes", async () => {
    const response = await nimbus.admin("/apps/custom-lab/functions/probe/invoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "echo", n: [1, 2] }),
    });
    const result = await response.json();
    assert.equal(result.status, "success");
    assert.deepEqual(JSON.parse(result.body), { action: "echo", n: [1, 2] });
  });

  it("scales to zero after keepWarm: the bootstrap process goes", async () => {
    const first = await json<{ pid: number }>(get("/idle/pid"));
    const response = await get("/idle/pid");
    const record = await invocation(response.headers.get("x-request-id") as string);
    assert.equal(record.cold, false, "the second call is warm");
    assert.equal((await response.json()).pid, first.pid);
    await waitFor(async () => (await running("idle")) === 0, "the idle function to scale to zero");
    await waitFor(() => !isAlive(first.pid), "the idle bootstrap to exit");
  });
});
