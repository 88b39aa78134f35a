import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Lease } from "../ports.ts";
import { type WithStore, waitFor } from "./support.ts";

const LONG_TTL_MS = 30_000;

export function describeLeaseConformance(withStore: WithStore): void {
  describe("leases", () => {
    it("grants a free lease and refuses it to another holder while it is held", () =>
      withStore(async ({ leases }) => {
        const lease = await leases.acquire("schedules", "node-a", LONG_TTL_MS);
        assert.ok(lease);
        assert.deepEqual([lease.name, lease.holder], ["schedules", "node-a"]);
        assert.ok(Number.isSafeInteger(lease.token) && lease.token > 0);
        assert.ok(lease.expiresAt > Date.now() + LONG_TTL_MS / 2);
        assert.equal(await leases.acquire("schedules", "node-b", LONG_TTL_MS), undefined);
        assert.equal(await leases.checkFence("schedules", lease.token), true);
        assert.equal(await leases.checkFence("schedules", lease.token + 1), false);
        assert.equal(await leases.checkFence("timers", lease.token), false);
        assert.ok(await leases.acquire("timers", "node-b", LONG_TTL_MS), "another name is another lease");
      }));

    it("renews the current grant with the same token, and not a lost one", () =>
      withStore(async ({ leases }) => {
        const lease = (await leases.acquire("sweeps", "node-a", LONG_TTL_MS)) as Lease;
        const renewed = await leases.renew(lease, 2 * LONG_TTL_MS);
        assert.ok(renewed);
        assert.equal(renewed.token, lease.token);
        assert.ok(renewed.expiresAt > lease.expiresAt);
        assert.equal(await leases.renew({ ...lease, holder: "node-b" }, LONG_TTL_MS), undefined);
        await leases.release(renewed);
        assert.equal(await leases.renew(lease, LONG_TTL_MS), undefined);
      }));

    it("releases at once: the next grant has a greater token and fences out the old one", () =>
      withStore(async ({ leases }) => {
        const first = (await leases.acquire("sweeps", "node-a", LONG_TTL_MS)) as Lease;
        await leases.release(first);
        assert.equal(await leases.checkFence("sweeps", first.token), false);
        const second = await leases.acquire("sweeps", "node-b", LONG_TTL_MS);
        assert.ok(second);
        assert.ok(second.token > first.token);
        assert.equal(await leases.renew(first, LONG_TTL_MS), undefined);
        await leases.release(first); // stale: must not free node-b's grant
        assert.equal(await leases.checkFence("sweeps", second.token), true);
        assert.equal(await leases.acquire("sweeps", "node-c", LONG_TTL_MS), undefined);
      }));

    it("lets another holder take an expired lease, with a greater token", () =>
      withStore(async ({ leases }) => {
        const first = (await leases.acquire("timers", "node-a", 20)) as Lease;
        const second = await waitFor(
          () => leases.acquire("timers", "node-b", LONG_TTL_MS),
          "node-b to take the expired lease",
        );
        assert.ok(second.token > first.token);
        assert.equal(await leases.checkFence("timers", first.token), false);
        assert.equal(await leases.renew(first, LONG_TTL_MS), undefined);
        assert.equal(await leases.checkFence("timers", second.token), true);
      }));

    it("gives the same holder a new grant and a greater token when it acquires again", () =>
      withStore(async ({ leases }) => {
        const first = (await leases.acquire("timers", "node-a", LONG_TTL_MS)) as Lease;
        const again = await leases.acquire("timers", "node-a", LONG_TTL_MS);
        assert.ok(again);
        assert.ok(again.token > first.token);
        assert.equal(await leases.checkFence("timers", first.token), false);
        assert.equal(await leases.checkFence("timers", again.token), true);
      }));

    it("grants a lease to exactly one of many concurrent acquirers", () =>
      withStore(async ({ leases }) => {
        const holders = Array.from({ length: 12 }, (_, index) => `node-${index}`);
        const grants = await Promise.all(
          holders.map((holder) => leases.acquire("singleton", holder, LONG_TTL_MS)),
        );
        const winners = grants.filter((grant) => grant !== undefined);
        assert.equal(winners.length, 1);
        assert.equal(await leases.checkFence("singleton", (winners[0] as Lease).token), true);
      }));

    it("refuses a ttl that is not a positive number of milliseconds", () =>
      withStore(async ({ leases }) => {
        for (const ttlMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(leases.acquire("bad", "node-a", ttlMs), RangeError);
        }
        const lease = (await leases.acquire("bad", "node-a", LONG_TTL_MS)) as Lease;
        await assert.rejects(leases.renew(lease, 0), RangeError);
      }));
  });
}
