// TTL expiry: the sweep deletes items whose TTL passed from the store itself (reads hide them
// already), leaves the others, and runs as the "nimbus.table-expiry" singleton.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseManifest } from "../src/core/manifest/parse.ts";
import { sweepExpiredItems, TableService } from "../src/services/tables/index.ts";
import { openStore } from "../src/store/open-store.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-tables-expiry-"));
after(() => rmSync(root, { recursive: true, force: true }));

const config = parseManifest(
  "app: shop\nfunctions:\n  api:\n    handler: src/api.handler\ntables:\n  sessions:\n    partitionKey: id\n    ttl: expiresAt\n",
);

describe("table TTL expiry", () => {
  it("deletes expired items from the store and keeps the rest", async () => {
    const store = await openStore({ dataDir: root, url: undefined });
    try {
      const nowMs = 1_000_000_000;
      const service = new TableService({
        store: store.tables,
        tablesOf: () => config.tables,
        nowMs: () => nowMs,
      });
      const put = (id: string, expiresAt?: number) =>
        service.write("shop", "sessions", {
          write: { kind: "put", item: { id, ...(expiresAt ? { expiresAt } : {}) } },
          inputs: {},
        });
      await put("old", nowMs / 1000 - 1);
      await put("new", nowMs / 1000 + 60);
      await put("forever");
      const deleted = await sweepExpiredItems({
        service,
        tablesWithTtl: () => [{ app: "shop", tables: ["sessions"] }],
      });
      assert.equal(deleted, 1);
      const left = await store.tables.scan("shop", "sessions", 10, undefined);
      assert.deepEqual(left.map((row) => row.item.id).sort(), ["forever", "new"]);
    } finally {
      await store.close();
    }
  });
});
