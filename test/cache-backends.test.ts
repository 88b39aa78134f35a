// One suite for every cache backend: the in-process cache and Redis (the server on this
// machine at 127.0.0.1:6379; the test fails, never skips, when it is not running).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { type CacheBackend, createMemoryCache, createRedisCache } from "../src/services/cache/index.ts";
import { waitFor } from "./helpers.ts";

const REDIS_URL = process.env.NIMBUS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const run = randomBytes(6).toString("hex");

function describeBackend(name: string, open: () => Promise<CacheBackend>): void {
  describe(`cache backend: ${name}`, () => {
    let backend: CacheBackend | undefined;
    const used: string[] = [];
    const key = (suffix: string) => {
      const full = `nimbus-test:${run}:${suffix}`;
      used.push(full);
      return full;
    };
    async function cache(): Promise<CacheBackend> {
      backend ??= await open();
      return backend;
    }
    after(async () => {
      for (const full of used) await backend?.delete(full);
      await backend?.close();
    });

    it("sets, gets and deletes values", async () => {
      const c = await cache();
      const k = key("plain");
      assert.equal(await c.get(k), undefined);
      await c.set(k, '{"a":1}', undefined);
      assert.equal(await c.get(k), '{"a":1}');
      assert.equal(await c.delete(k), true);
      assert.equal(await c.delete(k), false);
      assert.equal(await c.get(k), undefined);
    });

    it("expires a value after its TTL", async () => {
      const c = await cache();
      const k = key("ttl");
      await c.set(k, '"short"', 50);
      await c.set(key("long"), '"long"', 60_000);
      await waitFor(async () => (await c.get(k)) === undefined, "the key to expire");
      assert.equal(await c.get(key("long")), '"long"');
    });

    it("increments atomically; an absent key starts at 0; non-integers are refused", async () => {
      const c = await cache();
      const k = key("counter");
      const results = await Promise.all(Array.from({ length: 50 }, () => c.increment(k, 1, 60_000)));
      assert.deepEqual(
        [...results].sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, index) => index + 1),
      );
      assert.equal(await c.increment(k, -10, undefined), 40);
      await c.set(key("text"), '"abc"', undefined);
      await assert.rejects(c.increment(key("text"), 1, undefined), { code: "CACHE_VALUE_NOT_NUMBER" });
    });

    it("sets only when absent and answers what the key holds (get-or-set)", async () => {
      const c = await cache();
      const k = key("once");
      const attempts = await Promise.all(["1", "2", "3"].map((value) => c.setIfAbsent(k, value, 60_000)));
      assert.equal(attempts.filter((attempt) => attempt.stored).length, 1);
      const winner = attempts.find((attempt) => attempt.stored)?.value;
      assert.ok(attempts.every((attempt) => attempt.value === winner));
      assert.equal(await c.get(k), winner);
    });
  });
}

describeBackend("in-process", async () => createMemoryCache({ maxEntries: 1_000 }));
describeBackend("redis", () => createRedisCache(REDIS_URL));

describe("in-process cache bounds", () => {
  it("drops the oldest write when full, and never answers an expired key", async () => {
    let nowMs = 0;
    const c = createMemoryCache({ maxEntries: 2, nowMs: () => nowMs });
    await c.set("a", "1", undefined);
    await c.set("b", "2", 10);
    await c.set("c", "3", undefined);
    assert.equal(await c.get("a"), undefined);
    assert.equal(await c.get("b"), "2");
    nowMs = 10;
    assert.equal(await c.get("b"), undefined);
    await c.close();
  });
});
