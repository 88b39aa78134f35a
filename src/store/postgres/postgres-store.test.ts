// The conformance suite against a real PostgreSQL, plus what only a shared database has:
// several nodes migrating, deploying, leasing and notifying at once.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseManifest } from "../../core/manifest/parse.ts";
import { runStoreConformance } from "../conformance/store-conformance.ts";
import { waitFor } from "../conformance/support.ts";
import { openStore } from "../open-store.ts";
import type { Store } from "../ports.ts";
import { LISTEN_APPLICATION_NAME, openPostgresStore } from "./index.ts";
import { POSTGRES_MIGRATIONS } from "./migrations.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

// At the top level, so a missing server fails this file at once with its own message.
const database = await createTestDatabase();
after(() => database.drop());

function testDatabase(): TestDatabase {
  return database;
}

runStoreConformance("postgres", async () => openPostgresStore((await testDatabase().freshSchema()).url));

const config = parseManifest("app: shop\nfunctions:\n  api:\n    handler: src/api.handler\n");

/** Opens `count` stores ("nodes") on one new schema, all at the same moment, and closes them after. */
async function withNodes(
  count: number,
  work: (nodes: Store[], schema: string) => Promise<void>,
): Promise<void> {
  const { schema, url } = await testDatabase().freshSchema();
  const opened = await Promise.allSettled(Array.from({ length: count }, () => openPostgresStore(url)));
  const nodes = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  try {
    for (const result of opened) if (result.status === "rejected") throw result.reason;
    await work(nodes, schema);
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
  }
}

function node(nodes: Store[], index: number): Store {
  return nodes[index % nodes.length] as Store;
}

describe("postgres store: several nodes on one database", () => {
  it("migrates once when several nodes start at the same moment", () =>
    withNodes(6, async (_nodes, schema) => {
      const applied = await testDatabase().query<{ version: number }>(
        `SELECT version FROM ${schema}.nimbus_migrations ORDER BY version`,
      );
      assert.deepEqual(
        applied.map((row) => row.version),
        POSTGRES_MIGRATIONS.map((_, index) => index + 1),
      );
    }));

  it("numbers concurrent deploys from several nodes without gaps or duplicates", () =>
    withNodes(3, async (nodes) => {
      const deploys = Array.from({ length: 30 }, (_, index) =>
        node(nodes, index).deployments.createDeployment({
          app: "shop",
          config,
          functionHashes: { api: `h${index}` },
          source: "deploy",
        }),
      );
      const versions = (await Promise.all(deploys)).map((deployment) => deployment.version);
      assert.deepEqual(
        versions.toSorted((a, b) => a - b),
        Array.from({ length: 30 }, (_, index) => index + 1),
      );
      for (const each of nodes) assert.equal((await each.deployments.activeDeployment("shop"))?.version, 30);
    }));

  it("grants a lease to one node at a time, and every node sees the same fence", () =>
    withNodes(3, async (nodes) => {
      const grants = await Promise.all(
        Array.from({ length: 9 }, (_, index) =>
          node(nodes, index).leases.acquire("schedules", `node-${index}`, 30_000),
        ),
      );
      const winners = grants.filter((grant) => grant !== undefined);
      assert.equal(winners.length, 1);
      const token = winners[0]?.token as number;
      for (const each of nodes) assert.equal(await each.leases.checkFence("schedules", token), true);
    }));

  it("carries a notification from one node to every other", () =>
    withNodes(3, async (nodes) => {
      const heard: string[][] = [[], []];
      await node(nodes, 1).changes.subscribe("deploys", (payload) => heard[0]?.push(payload));
      await node(nodes, 2).changes.subscribe("deploys", (payload) => heard[1]?.push(payload));
      await node(nodes, 0).changes.publish("deploys", "shop@7");
      await waitFor(() => heard.every((payloads) => payloads.length > 0), "both nodes to hear the deploy");
      assert.deepEqual(heard, [["shop@7"], ["shop@7"]]);
    }));

  it("listens again after its connection drops", () =>
    withNodes(2, async (nodes) => {
      const heard: string[] = [];
      await node(nodes, 0).changes.subscribe("deploys", (payload) => heard.push(payload));
      const terminated = await testDatabase().query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database()`,
        [LISTEN_APPLICATION_NAME],
      );
      assert.equal(terminated.length, 1, "exactly one listening session to cut");
      // What is published while the listener is down is lost (by design), so keep publishing.
      let attempt = 0;
      await waitFor(async () => {
        await node(nodes, 1).changes.publish("deploys", `after-drop-${attempt++}`);
        return heard.length > 0;
      }, "the reconnected listener to hear a deploy");
      assert.match(heard[0] as string, /^after-drop-\d+$/);
    }));
});

describe("openStore with a PostgreSQL URL", () => {
  it("opens PostgreSQL for postgres:// and postgresql:// URLs, and touches no data directory", async () => {
    const dataDir = join(tmpdir(), `nimbus-unused-${process.pid}-${Date.now()}`);
    for (const scheme of ["postgres", "postgresql"]) {
      const { schema, url } = await testDatabase().freshSchema();
      const store = await openStore({ dataDir, url: url.replace(/^postgres:/, `${scheme}:`) });
      try {
        await store.settings.setSetting("scheme", scheme);
      } finally {
        await store.close();
      }
      const rows = await testDatabase().query<{ value: string }>(`SELECT value FROM ${schema}.settings`);
      assert.deepEqual(rows, [{ value: scheme }]);
    }
    assert.equal(existsSync(dataDir), false);
  });

  it("fails to open when no server answers at the URL", async () => {
    await assert.rejects(openPostgresStore("postgres://postgres@127.0.0.1:1/nimbus"), /ECONNREFUSED/);
  });
});
