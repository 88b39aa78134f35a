// Entities on two nodes sharing PostgreSQL: 50 deposits sent to both nodes at once still run
// one at a time on the key (the claim is in the store), so the total is exact and every
// caller sees a different balance.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

const MASTER_KEY = "6e696d6275732d656e746974792d636c75737465722d746573742d6b65792121";

describe("entities on a cluster of two nodes (PostgreSQL)", () => {
  let database: TestDatabase;
  const nodes: TestPlatform[] = [];
  const root = mkdtempSync(join(tmpdir(), "nimbus-entity-cluster-"));

  before(async () => {
    database = await createTestDatabase();
    const { url } = await database.freshSchema();
    for (const name of ["a", "b"]) {
      nodes.push(
        await startTestPlatform({
          options: {
            dataDir: join(root, name),
            storeUrl: url,
            bundleDir: join(root, "bundles"),
            masterKey: MASTER_KEY,
            adminKey: "nk_test_entity_cluster_0123456789",
            nodeId: name,
            resyncIntervalMs: 200,
          },
        }),
      );
    }
    await nodes[0]?.deploy(join(FIXTURES, "entities"));
  });
  after(async () => {
    for (const node of nodes) await node.stop();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  const node = (index: number) => nodes[index % nodes.length] as TestPlatform;
  const deposit = (index: number) =>
    node(index).admin("/apps/ledger/entities/account/shared/call/deposit", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: 1 }),
    });

  it("serializes the operations of one key across both nodes", async () => {
    await waitFor(
      async () => (await node(1).admin("/apps/ledger/entities/account/shared")).status === 200,
      "the second node to serve the app",
      20_000,
    );
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => deposit(index)));
    const balances: number[] = [];
    for (const response of responses) {
      assert.equal(response.status, 200, await response.clone().text());
      balances.push(((await response.json()) as { output: number }).output);
    }
    assert.deepEqual(
      balances.toSorted((a, b) => a - b),
      Array.from({ length: 50 }, (_, index) => index + 1),
    );
    for (const each of nodes) {
      const view = await json<{ state: unknown; version: number }>(
        each.admin("/apps/ledger/entities/account/shared"),
      );
      assert.deepEqual([view.state, view.version], [{ balance: 50 }, 50]);
    }
  });
});
