// The runtime with real instance processes: one Runtime for the file, one pool per test.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NimbusError } from "../core/errors.ts";
import {
  bodyJson,
  bodyText,
  FIXTURES_DIR,
  type Harness,
  httpRequest,
  nextRequestId,
  processIsAlive,
  startHarness,
  waitFor,
} from "./fixtures/harness.ts";
import type { FunctionPool } from "./function-pool.ts";
import type { InvocationOutcome } from "./types.ts";

let harness: Harness;

before(async () => {
  harness = await startHarness();
});

after(async () => {
  await harness.close();
});

function invoke(pool: FunctionPool, path: string, requestId = nextRequestId()): Promise<InvocationOutcome> {
  return pool.invoke(httpRequest(path), { requestId });
}

async function pidOf(pool: FunctionPool): Promise<number> {
  return bodyJson<{ pid: number }>(await invoke(pool, "/count")).pid;
}

describe("Runtime invocations", () => {
  it("serves a cold call, then warm calls on the same instance", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours"));
    const first = await invoke(pool, "/count");
    const second = await invoke(pool, "/count");
    assert.equal(first.status, "success");
    assert.equal(first.cold, true);
    assert.ok((first.initDurationMs ?? 0) > 0);
    assert.equal(second.cold, false);
    assert.equal(second.initDurationMs, undefined);
    const [a, b] = [
      bodyJson<{ calls: number; pid: number }>(first),
      bodyJson<{ calls: number; pid: number }>(second),
    ];
    assert.deepEqual([a.calls, b.calls, a.pid], [1, 2, b.pid]);
    assert.equal(second.billedDurationMs, Math.ceil(second.durationMs));
    assert.ok((second.peakMemoryMb ?? 0) > 10);
    assert.ok(harness.outcomes.includes(second), "outcomes are reported to onInvocation");
    await harness.runtime.retire(pool);
    assert.equal(processIsAlive(a.pid), false);
  });

  it("carries bodies as bytes both ways, and serves Lambda-style and CommonJS handlers", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours"));
    const bytes = new Uint8Array([0, 255, 1, 254, 10, 13]);
    const echo = await pool.invoke(httpRequest("/echo", bytes), { requestId: nextRequestId() });
    assert.deepEqual(new Uint8Array(echo.response?.body ?? []), bytes);
    assert.ok(echo.response?.headers.some(([name, value]) => name === "x-echo" && value === "yes"));

    const lambda = await harness.runtime.activate(await harness.deploy("lambda", {}, "handler"));
    const requestId = nextRequestId();
    const outcome = await invoke(lambda, "/from-lambda", requestId);
    assert.deepEqual(bodyJson(outcome), { path: "/from-lambda", requestId });

    const legacy = await harness.runtime.activate(await harness.deploy("legacy-lambda", {}, "handler"));
    assert.equal(bodyText(await invoke(legacy, "/old")), "cjs /old");
    await Promise.all([pool, lambda, legacy].map((each) => harness.runtime.retire(each)));
  });

  it("gives the function a clean environment: its declared env and the platform's variables only", async () => {
    process.env.NIMBUS_TEST_SERVER_SECRET = "must-not-leak";
    const hadCaCerts = "NODE_EXTRA_CA_CERTS" in process.env;
    process.env.NODE_EXTRA_CA_CERTS ??= "/etc/ssl/certs/ca-certificates.crt";
    const deployment = await harness.deploy("behaviours", { env: { GREETING: "hello", TZ: "Europe/Paris" } });
    const pool = await harness.runtime.activate(deployment);
    const seen = bodyJson<{ env: Record<string, string>; cwd: string; timezone: string }>(
      await invoke(pool, "/env"),
    );
    const { name } = deployment.config;
    assert.deepEqual(seen.env, {
      GREETING: "hello",
      PATH: "/usr/local/bin:/usr/bin:/bin",
      TZ: "UTC",
      NIMBUS_APP: "test-app",
      NIMBUS_FUNCTION_NAME: name,
      NIMBUS_FUNCTION_VERSION: deployment.version,
      NIMBUS_FUNCTION_MEMORY_MB: "128",
      NIMBUS_PLATFORM_URL: "http://127.0.0.1:9999",
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: deployment.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      AWS_REGION: "local",
      // Lambda's defined variables, for code written for Lambda (lambda-env.ts).
      _HANDLER: "behaviours.default",
      LAMBDA_TASK_ROOT: seen.cwd,
      LAMBDA_RUNTIME_DIR: seen.cwd,
      AWS_DEFAULT_REGION: "local",
      AWS_LAMBDA_LOG_GROUP_NAME: `/nimbus/test-app/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${deployment.version}/instance`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      LANG: "C.UTF-8",
    });
    assert.equal(seen.cwd, dirname(deployment.bundlePath));
    assert.equal(seen.timezone, "UTC");
    delete process.env.NIMBUS_TEST_SERVER_SECRET;
    if (!hadCaCerts) delete process.env.NODE_EXTRA_CA_CERTS;
    await harness.runtime.retire(pool);
  });

  it("captures console lines with the request id of the call that printed them", async () => {
    const deployment = await harness.deploy("behaviours");
    const pool = await harness.runtime.activate(deployment);
    const requestId = nextRequestId();
    await invoke(pool, "/log", requestId);
    const mine = await waitFor("the call's four log lines", () => {
      const lines = harness.logs.filter((line) => line.requestId === requestId);
      return lines.length >= 4 && lines;
    });
    const seen = mine.map((line) => [line.stream, line.level, line.message]).sort();
    assert.deepEqual(seen, [
      ["stderr", "error", "an error\nover two lines"],
      ["stderr", "warn", "a warning"],
      ["stdout", "info", "a log line { answer: 42 }"],
      ["stdout", "info", "a raw line"],
    ]);
    const init = harness.logs.find(
      (line) => line.functionName === deployment.config.name && line.message === "behaviours: initialising",
    );
    assert.equal(init?.requestId, undefined, "init-time output belongs to no call");
    assert.equal(init?.version, deployment.version);
    await harness.runtime.retire(pool);
  });

  it("turns a throw into FUNCTION_ERROR and logs its stack with the TypeScript source line", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours"));
    const pid = await pidOf(pool);
    const requestId = nextRequestId();
    const outcome = await invoke(pool, "/throw", requestId);
    assert.equal(outcome.status, "error");
    assert.equal(outcome.errorCode, "FUNCTION_ERROR");
    assert.equal(outcome.errorMessage, "Error: boom from the fixture");
    const source = readFileSync(join(FIXTURES_DIR, "behaviours.ts"), "utf8").split("\n");
    const throwLine = source.findIndex((line) => line.includes("// THROW-LINE")) + 1;
    const stack = harness.logs.find((line) => line.requestId === requestId && line.level === "error");
    assert.ok(stack, "the stack is logged for the request");
    assert.match(stack.message, new RegExp(`behaviours\\.ts:${throwLine}:\\d+`));
    assert.doesNotMatch(stack.message, /shim\.mjs/, "the shim's own frames are left out");
    assert.equal(await pidOf(pool), pid, "a throw does not cost the instance");
    await harness.runtime.retire(pool);
  });

  it("fails only the call of an instance that exits, and replaces the instance", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours"));
    const pid = await pidOf(pool);
    const crashed = await invoke(pool, "/exit");
    assert.equal(crashed.errorCode, "FUNCTION_ERROR");
    assert.match(crashed.errorMessage ?? "", /exit code 3/);
    assert.equal(processIsAlive(pid), false);
    const next = await invoke(pool, "/count");
    assert.equal(next.status, "success");
    assert.equal(next.cold, true);
    assert.notEqual(bodyJson<{ pid: number }>(next).pid, pid);
    await harness.runtime.retire(pool);
  });

  it("fails the call whose timer throws after it, with the error logged against it", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours"));
    const requestId = nextRequestId();
    const outcome = await invoke(pool, "/timer-throw", requestId);
    assert.equal(outcome.errorCode, "FUNCTION_ERROR");
    const report = await waitFor("the uncaught exception in the log", () =>
      harness.logs.find((line) => line.requestId === requestId && line.message.includes("thrown in a timer")),
    );
    assert.match(report.message, /^Uncaught exception: Error: thrown in a timer/);
    assert.equal((await invoke(pool, "/hello")).status, "success");
    await harness.runtime.retire(pool);
  });

  it("kills an instance whose call runs past the timeout", async () => {
    const pool = await harness.runtime.activate(
      await harness.deploy("behaviours", { timeoutMs: 300, concurrency: { perInstance: 2 } }),
    );
    const pid = await pidOf(pool);
    const [spinning, neighbour] = await Promise.all([invoke(pool, "/spin"), invoke(pool, "/sleep?ms=5000")]);
    assert.equal(spinning.errorCode, "FUNCTION_TIMEOUT");
    assert.ok(spinning.durationMs >= 300 && spinning.durationMs < 3_000, `took ${spinning.durationMs} ms`);
    assert.equal(neighbour.errorCode, "FUNCTION_ERROR");
    assert.match(neighbour.errorMessage ?? "", /another call on it timed out/);
    assert.equal(processIsAlive(pid), false, "the process is really gone");
    assert.equal((await invoke(pool, "/hello")).status, "success");
    await harness.runtime.retire(pool);
  });

  it("kills an instance that goes over its memory size", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours", { memoryMb: 128 }));
    const pid = await pidOf(pool);
    const outcome = await invoke(pool, "/alloc?mb=400");
    assert.equal(outcome.errorCode, "FUNCTION_OUT_OF_MEMORY");
    assert.equal(processIsAlive(pid), false);
    assert.equal((await invoke(pool, "/hello")).status, "success");
    await harness.runtime.retire(pool);
  });

  it("fails a call that cannot be sent without costing the instance", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours"));
    const pid = await pidOf(pool);
    const unsendable = { ...httpRequest("/hello"), body: (() => undefined) as unknown as Uint8Array };
    const outcome = await pool.invoke(unsendable, { requestId: nextRequestId() });
    assert.equal(outcome.errorCode, "INTERNAL");
    assert.equal(await pidOf(pool), pid);
    await harness.runtime.retire(pool);
  });

  it("refuses to activate code that fails to load, leaving nothing running", async () => {
    const before = harness.runtime.stats().instances;
    await assert.rejects(harness.runtime.activate(await harness.deploy("init-error")), (error: unknown) => {
      assert.ok(error instanceof NimbusError);
      assert.equal(error.code, "FUNCTION_INIT_ERROR");
      assert.match(error.message, /cannot load this function/);
      return true;
    });
    assert.equal(harness.runtime.stats().instances, before);
    const logged = harness.logs.find((line) => line.message.includes("cannot load this function"));
    assert.match(logged?.message ?? "", /init-error\.ts:2:/);
  });

  it("refuses to activate a bundle without the handler's export", async () => {
    const bundled = await harness.deploy("wrong-export", {}, "notTheHandler");
    const deployment = {
      ...bundled,
      config: { ...bundled.config, handler: { file: "wrong-export", exportName: "handler" } },
    };
    await assert.rejects(harness.runtime.activate(deployment), (error: unknown) => {
      assert.ok(error instanceof NimbusError);
      assert.equal(error.code, "HANDLER_NOT_FOUND");
      assert.match(error.message, /no export named "handler"/);
      return true;
    });
  });
});
