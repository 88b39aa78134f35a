// Singletons under leases, on a real PostgreSQL with one store per node (as two processes
// would have): exactly one node acts; a holder cut off from the database stops acting and
// the other takes over within the lease timeout; a stale token is fenced out; a graceful
// stop hands the lease back at once.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { waitFor } from "../store/conformance/support.ts";
import type { Lease, LeaseStore, Store } from "../store/ports.ts";
import { openPostgresStore } from "../store/postgres/index.ts";
import { createTestDatabase } from "../store/postgres/test-database.ts";
import { openSqliteStore } from "../store/sqlite/index.ts";
import { Singleton } from "./singleton.ts";

const database = await createTestDatabase();
after(() => database.drop());

const TTL_MS = 900;
const NAME = "test.singleton";

/** A node's view of the lease store that can be cut off: calls hang until healed, then fail. */
function partitionable(leases: LeaseStore) {
  let cut = false;
  let heal: () => void = () => {};
  const healed = new Promise<void>((done) => {
    heal = done;
  });
  const through =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      cut ? healed.then(() => Promise.reject(new Error("connection to the database lost"))) : call(...args);
  const view: LeaseStore = {
    acquire: through((name: string, holder: string, ttlMs: number) => leases.acquire(name, holder, ttlMs)),
    renew: through((lease: Lease, ttlMs: number) => leases.renew(lease, ttlMs)),
    release: through((lease: Lease) => leases.release(lease)),
    checkFence: through((name: string, token: number) => leases.checkFence(name, token)),
  };
  return {
    leases: view,
    cut: () => {
      cut = true;
    },
    heal: () => heal(),
  };
}

interface Action {
  readonly holder: string;
  readonly token: number;
}

async function withNodes(
  work: (nodes: { a: Store; b: Store }, actions: Action[], make: MakeSingleton) => Promise<void>,
): Promise<void> {
  const { url } = await database.freshSchema();
  const a = await openPostgresStore(url);
  const b = await openPostgresStore(url);
  const actions: Action[] = [];
  const started: Singleton[] = [];
  const make: MakeSingleton = (holder, leases) => {
    const singleton = new Singleton({
      leases,
      name: NAME,
      holder,
      ttlMs: TTL_MS,
      task: {
        everyMs: 15,
        run: async (lease) => {
          actions.push({ holder, token: lease.token });
        },
      },
    });
    started.push(singleton);
    return singleton;
  };
  try {
    await work({ a, b }, actions, make);
  } finally {
    await Promise.all(started.map((singleton) => singleton.stop()));
    await Promise.all([a.close(), b.close()]);
  }
}
type MakeSingleton = (holder: string, leases: LeaseStore) => Singleton;

describe("Singleton (leases with fencing tokens)", () => {
  it("lets exactly one of two nodes act", () =>
    withNodes(async ({ a, b }, actions, make) => {
      const first = make("node-a", a.leases);
      const second = make("node-b", b.leases);
      await Promise.all([first.start(), second.start()]);
      assert.equal([first.holding, second.holding].filter(Boolean).length, 1);
      await waitFor(() => actions.length >= 10, "ten guarded actions");
      const holders = new Set(actions.map((action) => action.holder));
      assert.equal(holders.size, 1, `one node acted, not ${[...holders].join(" and ")}`);
      assert.equal(new Set(actions.map((action) => action.token)).size, 1, "under one grant");
      assert.equal(first.holding ? "node-a" : "node-b", actions[0]?.holder);
    }));

  it("takes over within the lease timeout when the holder stops renewing, and fences the old token", () =>
    withNodes(async ({ a, b }, actions, make) => {
      const cutOff = partitionable(a.leases);
      const first = make("node-a", cutOff.leases);
      await first.start();
      const second = make("node-b", b.leases);
      await second.start();
      const staleLease = first.lease;
      assert.ok(staleLease, "the first node holds the lease");
      assert.equal(second.holding, false);
      await waitFor(() => actions.length >= 3, "the holder acting");

      cutOff.cut(); // its renewals now hang: a paused or partitioned node
      try {
        // The lease runs out on the database's clock; node-b retries every ttl/3.
        await waitFor(() => second.holding, "node-b to take the lease over", TTL_MS * 3 + 2_000);
        assert.equal(first.holding, false, "the cut-off node stopped acting without an answer");
        await waitFor(() => actions.some((action) => action.holder === "node-b"), "node-b acting");
        const firstOfB = actions.findIndex((action) => action.holder === "node-b");
        assert.ok(
          actions.slice(firstOfB).every((action) => action.holder === "node-b"),
          "node-a never acted after node-b began",
        );
        const newLease = second.lease as Lease;
        assert.ok(newLease.token > staleLease.token, "a new grant has a greater token");
        assert.equal(
          await b.leases.checkFence(NAME, staleLease.token),
          false,
          "the stale token is fenced out",
        );
        assert.equal(await b.leases.checkFence(NAME, newLease.token), true);
      } finally {
        cutOff.heal(); // back in touch (whatever happened, so stopping node-a cannot hang)
      }
      let ranStale = false;
      await first.guard(async () => {
        ranStale = true;
      });
      assert.equal(ranStale, false, "a guard on the lost lease does not run");
      assert.equal(await a.leases.acquire(NAME, "node-a", TTL_MS), undefined, "node-b still holds it");
    }));

  it("hands the lease back on a graceful stop, so another node can take it at once", () =>
    withNodes(async ({ a, b }, _actions, make) => {
      const first = make("node-a", a.leases);
      await first.start();
      const held = first.lease as Lease;
      await first.stop();
      assert.equal(first.holding, false);
      assert.equal(await b.leases.checkFence(NAME, held.token), false);
      const taken = await b.leases.acquire(NAME, "node-b", TTL_MS);
      assert.ok(taken && taken.token > held.token, "free without waiting for the ttl");
    }));
});

describe("Singleton on the embedded store", () => {
  it("is held by a lone node as soon as it started", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nimbus-singleton-"));
    const store = openSqliteStore(dataDir);
    const singleton = new Singleton({ leases: store.leases, name: NAME, holder: "only", ttlMs: TTL_MS });
    try {
      await singleton.start();
      assert.equal(singleton.holding, true);
      assert.equal(await singleton.guard(async (lease) => lease.holder), "only");
    } finally {
      await singleton.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
