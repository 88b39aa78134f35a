import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ExitFacts, failureOfCallInFlight, failureOfInit } from "./exit-reason.ts";

const base: ExitFacts = {
  exitCode: null,
  signal: null,
  killReason: undefined,
  heapOutOfMemory: false,
  memoryMb: 128,
  timeoutMs: 3_000,
  initTimeoutMs: 10_000,
};

describe("failureOfCallInFlight", () => {
  it("names the timed-out call FUNCTION_TIMEOUT and its neighbours FUNCTION_ERROR", () => {
    const facts: ExitFacts = { ...base, signal: "SIGKILL", killReason: "timeout" };
    assert.equal(failureOfCallInFlight(facts, true).code, "FUNCTION_TIMEOUT");
    assert.match(failureOfCallInFlight(facts, true).message, /3000 ms/);
    const neighbour = failureOfCallInFlight(facts, false);
    assert.equal(neighbour.code, "FUNCTION_ERROR");
    assert.match(neighbour.message, /another call/);
  });

  it("reports the watchdog's kill, V8's heap report and V8's abort as out of memory", () => {
    for (const facts of [
      { ...base, signal: "SIGKILL", killReason: "memory" },
      { ...base, exitCode: 134, heapOutOfMemory: true },
      { ...base, signal: "SIGABRT" },
    ] satisfies ExitFacts[]) {
      assert.equal(failureOfCallInFlight(facts, false).code, "FUNCTION_OUT_OF_MEMORY");
    }
  });

  it("reports a crash with its exit code", () => {
    const failure = failureOfCallInFlight({ ...base, exitCode: 3 }, false);
    assert.equal(failure.code, "FUNCTION_ERROR");
    assert.match(failure.message, /exit code 3/);
  });

  it("tells a platform stop apart from a function failure", () => {
    assert.equal(
      failureOfCallInFlight({ ...base, killReason: "platform-stop" }, false).code,
      "PLATFORM_UNAVAILABLE",
    );
  });
});

describe("failureOfInit", () => {
  it("is an init error unless memory ran out or the platform stopped", () => {
    assert.equal(failureOfInit({ ...base, exitCode: 1 }).code, "FUNCTION_INIT_ERROR");
    assert.equal(failureOfInit({ ...base, signal: "SIGABRT" }).code, "FUNCTION_OUT_OF_MEMORY");
    assert.equal(failureOfInit({ ...base, killReason: "platform-stop" }).code, "PLATFORM_UNAVAILABLE");
    const slow = failureOfInit({ ...base, signal: "SIGKILL", killReason: "start-timeout" });
    assert.equal(slow.code, "FUNCTION_INIT_ERROR");
    assert.match(slow.message, /within 10000 ms/);
  });
});
