// Scaling, queueing and retiring of a pool, with real instance processes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NimbusError } from "../core/errors.ts";
import {
  bodyJson,
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

function invoke(pool: FunctionPool, path: string): Promise<InvocationOutcome> {
  return pool.invoke(httpRequest(path), { requestId: nextRequestId() });
}

function pidOf(outcome: InvocationOutcome): number {
  return bodyJson<{ pid: number }>(outcome).pid;
}

describe("FunctionPool", () => {
  it("scales to zero after keepWarm, then starts cold again", async () => {
    const pool = await harness.runtime.activate(await harness.deploy("behaviours", { keepWarmMs: 150 }));
    const first = await invoke(pool, "/count");
    assert.equal(pool.stats().instances, 1);
    await waitFor("the idle instance to be stopped", () => pool.stats().instances === 0);
    await waitFor("its process to be gone", () => !processIsAlive(pidOf(first)));
    const again = await invoke(pool, "/count");
    assert.equal(again.cold, true);
    assert.notEqual(pidOf(again), pidOf(first));
    await harness.runtime.retire(pool);
  });

  it("keeps min instances warm, replaces one that crashes, and never goes below min", async () => {
    const pool = await harness.runtime.activate(
      await harness.deploy("behaviours", { keepWarmMs: 50, concurrency: { min: 2 } }),
    );
    assert.equal(pool.stats().instances, 2, "activation waits for min instances");
    const crashed = await invoke(pool, "/exit");
    assert.equal(crashed.errorCode, "FUNCTION_ERROR");
    await waitFor("a replacement instance", () => pool.stats().instances === 2);
    // Three at once need a third instance, which keepWarm then takes away again, down to min.
    await Promise.all([
      invoke(pool, "/sleep?ms=100"),
      invoke(pool, "/sleep?ms=100"),
      invoke(pool, "/sleep?ms=100"),
    ]);
    await waitFor("scale down to min", () => pool.stats().instances === 2);
    const observeUntil = performance.now() + 300; // several keepWarm periods
    while (performance.now() < observeUntil) {
      assert.equal(pool.stats().instances + pool.stats().starting, 2);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await harness.runtime.retire(pool);
  });

  it("starts no more instances than a burst of cold calls needs", async () => {
    const pool = await harness.runtime.activate(
      await harness.deploy("behaviours", { concurrency: { max: 10, perInstance: 2 } }),
    );
    assert.equal(pool.stats().instances, 1);
    // One idle instance takes two calls; the other four need exactly two more instances.
    const burst = Array.from({ length: 6 }, () => invoke(pool, "/sleep?ms=300"));
    assert.equal(pool.stats().starting, 2);
    assert.equal(pool.stats().queued, 4);
    try {
      const outcomes = await Promise.all(burst);
      assert.ok(outcomes.every((outcome) => outcome.status === "success"));
      // On a loaded machine a queued call may find the first instance free again before a
      // new one is up, so fewer instances may serve the burst; never more than needed.
      const instancesUsed = new Set(outcomes.map(pidOf)).size;
      assert.ok(instancesUsed <= 3, `${instancesUsed} instances served six calls of two each`);
      assert.ok(pool.stats().instances <= 3);
      // The first call on each instance is its cold one, the activated instance's included.
      assert.equal(outcomes.filter((outcome) => outcome.cold).length, instancesUsed);
    } finally {
      await harness.runtime.retire(pool);
    }
  });

  it("queues calls FIFO when at max, and refuses with 429 past the queue", async () => {
    const pool = await harness.runtime.activate(
      await harness.deploy("behaviours", { concurrency: { max: 1, queue: 2 } }),
    );
    const finished: number[] = [];
    const accepted = [0, 1, 2].map((index) =>
      invoke(pool, index === 0 ? "/sleep?ms=200" : "/count").then((outcome) => {
        finished.push(index);
        return outcome;
      }),
    );
    assert.deepEqual(pool.stats(), { instances: 1, busy: 1, idle: 0, starting: 0, queued: 2 });
    await assert.rejects(invoke(pool, "/count"), (error: unknown) => {
      assert.ok(error instanceof NimbusError);
      assert.equal(error.code, "TOO_MANY_REQUESTS");
      assert.equal(error.status, 429);
      assert.deepEqual(error.headers, { "retry-after": "1" });
      return true;
    });
    const outcomes = await Promise.all(accepted);
    assert.ok(outcomes.every((outcome) => outcome.status === "success"));
    assert.deepEqual(finished, [0, 1, 2]);
    await harness.runtime.retire(pool);
  });

  it("retires gracefully: in-flight and queued calls finish, new calls are refused, instances stop", async () => {
    const pool = await harness.runtime.activate(
      await harness.deploy("behaviours", { concurrency: { max: 1, queue: 5 } }),
    );
    const calls = [invoke(pool, "/sleep?ms=150"), invoke(pool, "/sleep?ms=10"), invoke(pool, "/sleep?ms=10")];
    const retired = harness.runtime.retire(pool);
    await assert.rejects(invoke(pool, "/hello"), { code: "PLATFORM_UNAVAILABLE" });
    const outcomes = await Promise.all(calls);
    assert.ok(outcomes.every((outcome) => outcome.status === "success"));
    await retired;
    assert.equal(processIsAlive(pidOf(outcomes[0] as InvocationOutcome)), false);
    assert.deepEqual(pool.stats(), { instances: 0, busy: 0, idle: 0, starting: 0, queued: 0 });
  });

  it("keeps stem cells only for memory sizes in use", async () => {
    await waitFor("no stem cells while no pool is active", () => harness.runtime.stats().stemCells === 0);
    const pool = await harness.runtime.activate(await harness.deploy("behaviours", { memoryMb: 192 }));
    await waitFor("two stem cells for 192 MB", () => harness.runtime.stats().stemCells === 2);
    await harness.runtime.retire(pool);
    await waitFor("stem cells gone with the last pool", () => harness.runtime.stats().stemCells === 0);
  });
});
