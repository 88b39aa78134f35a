// The cache through the real server: the HTTP API (/_nimbus/apps/:app/cache/:key), nimbus/sdk from
// a function with its own rights, bad input refused, and the Redis backend selected by
// configuration, shared by two platforms as it is by the nodes of a cluster.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

const REDIS_URL = process.env.NIMBUS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function describeCache(backend: string, cacheUrl: string | undefined): void {
  describe(`cache over the HTTP API (${backend})`, () => {
    let nimbus: TestPlatform;
    const prefix = `t-${randomBytes(4).toString("hex")}`;
    const cacheKey = (name: string) => `/apps/counter/cache/${encodeURIComponent(`${prefix}/${name}`)}`;
    const send = (method: string, path: string, body?: unknown) =>
      nimbus.admin(path, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });

    before(async () => {
      nimbus = await startTestPlatform({
        appDir: join(FIXTURES, "cache"),
        options: cacheUrl ? { cacheUrl } : {},
      });
    });
    after(async () => {
      for (const name of ["v", "ttl", "n", "once", "text"]) await send("DELETE", cacheKey(name));
      for (const page of ["home", `${prefix}`]) {
        await send("DELETE", `/apps/counter/cache/${encodeURIComponent(`hits/${page}`)}`);
        await send("DELETE", `/apps/counter/cache/${encodeURIComponent(`hits/first-${page}`)}`);
      }
      await nimbus?.stop();
    });

    it("sets, gets, deletes; get-or-set keeps the first value; TTLs expire", async () => {
      assert.deepEqual(await json(send("GET", cacheKey("v"))), { found: false, value: null });
      assert.deepEqual(await json(send("PUT", cacheKey("v"), { value: { a: [1, 2] } })), {
        value: { a: [1, 2] },
        stored: true,
      });
      assert.deepEqual(await json(send("GET", cacheKey("v"))), { found: true, value: { a: [1, 2] } });
      assert.deepEqual(await json(send("PUT", cacheKey("once"), { value: 1, ifAbsent: true })), {
        value: 1,
        stored: true,
      });
      assert.deepEqual(await json(send("PUT", cacheKey("once"), { value: 2, ifAbsent: true })), {
        value: 1,
        stored: false,
      });
      await send("PUT", cacheKey("ttl"), { value: "short", ttlMs: 50 });
      await waitFor(
        async () => (await json<{ found: boolean }>(send("GET", cacheKey("ttl")))).found === false,
        "the TTL to pass",
      );
      assert.deepEqual(await json(send("DELETE", cacheKey("v"))), { deleted: true });
      assert.deepEqual(await json(send("GET", cacheKey("v"))), { found: false, value: null });
    });

    it("increments atomically and refuses bad input with a code", async () => {
      const increments = await Promise.all(
        Array.from({ length: 20 }, () =>
          json<{ value: number }>(send("POST", `${cacheKey("n")}/increment`, { by: 2 })),
        ),
      );
      assert.equal(Math.max(...increments.map((answer) => answer.value)), 40);
      await send("PUT", cacheKey("text"), { value: "abc" });
      const notNumber = await send("POST", `${cacheKey("text")}/increment`, {});
      assert.equal(notNumber.status, 409);
      assert.equal((await json<{ error: { code: string } }>(notNumber)).error.code, "CACHE_VALUE_NOT_NUMBER");
      assert.deepEqual(await json(send("GET", cacheKey("text"))), { found: true, value: "abc" });
      const badTtl = await send("PUT", cacheKey("x"), { value: 1, ttlMs: -5 });
      assert.equal(badTtl.status, 400);
      const tooBig = await send("PUT", cacheKey("x"), { value: "x".repeat(600 * 1024) });
      assert.equal(tooBig.status, 413);
      assert.deepEqual(await json(send("GET", cacheKey("x"))), { found: false, value: null });
      assert.equal((await send("GET", "/apps/nope/cache/k")).status, 404);
    });

    it("serves a function through nimbus/sdk with its own rights", async () => {
      const hit = async () =>
        json<{ hits: number; first: { hits: number } }>(
          fetch(`${nimbus.url}/hits/${prefix}`, { method: "POST" }),
        );
      assert.deepEqual(await hit(), { hits: 1, first: { hits: 1 } });
      assert.deepEqual(await hit(), { hits: 2, first: { hits: 1 } });
    });
  });
}

describeCache("in-process", undefined);
describeCache("redis", REDIS_URL);

describe("the Redis cache is shared by every platform that names it", () => {
  let one: TestPlatform;
  let two: TestPlatform;
  const key = `/apps/counter/cache/${encodeURIComponent(`shared-${randomBytes(4).toString("hex")}`)}`;
  before(async () => {
    one = await startTestPlatform({ appDir: join(FIXTURES, "cache"), options: { cacheUrl: REDIS_URL } });
    two = await startTestPlatform({ appDir: join(FIXTURES, "cache"), options: { cacheUrl: REDIS_URL } });
  });
  after(async () => {
    await one?.admin(key, { method: "DELETE" });
    await one?.stop();
    await two?.stop();
  });

  it("reads on one platform what the other wrote", async () => {
    await one.admin(key, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: "from one" }),
    });
    assert.deepEqual(await json(two.admin(key)), { found: true, value: "from one" });
  });
});
