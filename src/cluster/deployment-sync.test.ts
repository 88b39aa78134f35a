// Deployment propagation between two nodes on one PostgreSQL (one store each, as two
// processes): announcements make the other node reload at once; a lost announcement is
// caught by the periodic re-check; malformed ones are ignored. The follower here stands in
// for the deployer (whose reload is exercised end to end in test/cluster.test.ts).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseManifest } from "../core/manifest/parse.ts";
import { waitFor } from "../store/conformance/support.ts";
import type { DeploymentRecord, Store } from "../store/ports.ts";
import { openPostgresStore } from "../store/postgres/index.ts";
import { createTestDatabase } from "../store/postgres/test-database.ts";
import { DEPLOYMENTS_CHANNEL, type DeploymentFollower, DeploymentSync } from "./deployment-sync.ts";

const database = await createTestDatabase();
after(() => database.drop());

const config = parseManifest("app: shop\nfunctions:\n  api:\n    handler: src/api.handler\n");

/** Serves whatever the store says is active, counting reloads; can be told to fail. */
class FollowerDouble implements DeploymentFollower {
  readonly served = new Map<string, number>();
  reloads = 0;
  failNext = false;
  readonly #store: Store;
  constructor(store: Store) {
    this.#store = store;
  }
  servedVersion(app: string): number | undefined {
    return this.served.get(app);
  }
  async reload(app: string): Promise<DeploymentRecord | undefined> {
    this.reloads++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error("the bundle store did not answer");
    }
    const active = await this.#store.deployments.activeDeployment(app);
    if (active) this.served.set(app, active.version);
    return active;
  }
}

async function withTwoNodes(
  resyncIntervalMs: number,
  work: (nodes: {
    a: Store;
    syncA: DeploymentSync;
    follower: FollowerDouble;
    errors: unknown[];
  }) => Promise<void>,
): Promise<void> {
  const { url } = await database.freshSchema();
  const a = await openPostgresStore(url);
  const b = await openPostgresStore(url);
  /** What node b reported; node a hears its own announcements too, and is not under test. */
  const errors: unknown[] = [];
  const follower = new FollowerDouble(b);
  const syncA = new DeploymentSync({
    resyncIntervalMs,
    onError: () => {},
    deployments: a.deployments,
    changes: a.changes,
    follower: new FollowerDouble(a),
    nodeId: "a",
  });
  const syncB = new DeploymentSync({
    resyncIntervalMs,
    onError: (error) => errors.push(error),
    deployments: b.deployments,
    changes: b.changes,
    follower,
    nodeId: "b",
  });
  await syncA.start();
  await syncB.start();
  try {
    await work({ a, syncA, follower, errors });
  } finally {
    await syncA.stop();
    await syncB.stop();
    await Promise.all([a.close(), b.close()]);
  }
}

const deploy = (store: Store) =>
  store.deployments.createDeployment({
    app: "shop",
    config,
    functionHashes: { api: "h" },
    source: "deploy",
  });

describe("DeploymentSync", () => {
  it("reloads an app on the other node as soon as a deploy is announced", () =>
    withTwoNodes(60_000, async ({ a, syncA, follower }) => {
      syncA.announce(await deploy(a));
      await waitFor(() => follower.served.get("shop") === 1, "node b to serve version 1");
      syncA.announce(await deploy(a));
      await waitFor(() => follower.served.get("shop") === 2, "node b to serve version 2");
    }));

  it("catches a lost announcement with the periodic re-check", () =>
    withTwoNodes(200, async ({ a, follower }) => {
      await deploy(a); // committed, never announced: as if node b's listener was reconnecting
      await waitFor(() => follower.served.get("shop") === 1, "the re-check to find version 1");
    }));

  it("reports a failed reload and tries again at the next re-check", () =>
    withTwoNodes(200, async ({ a, syncA, follower, errors }) => {
      follower.failNext = true;
      syncA.announce(await deploy(a));
      await waitFor(() => follower.served.get("shop") === 1, "a later re-check to succeed");
      assert.match(String(errors[0]), /the bundle store did not answer/);
    }));

  it("ignores malformed announcements and versions it already serves", () =>
    withTwoNodes(60_000, async ({ a, syncA, follower, errors }) => {
      syncA.announce(await deploy(a));
      await waitFor(() => follower.served.get("shop") === 1, "version 1");
      const reloads = follower.reloads;
      await a.changes.publish(DEPLOYMENTS_CHANNEL, "not json");
      await a.changes.publish(DEPLOYMENTS_CHANNEL, JSON.stringify({ app: "shop", version: 1, node: "a" }));
      await waitFor(() => errors.length === 1, "the malformed announcement to be reported");
      assert.match(String(errors[0]), /malformed deployment announcement/);
      // A marker after both: once it is seen, the two before it were handled.
      syncA.announce(await deploy(a));
      await waitFor(() => follower.served.get("shop") === 2, "version 2");
      assert.equal(follower.reloads, reloads + 1, "only the new version caused a reload");
    }));
});
