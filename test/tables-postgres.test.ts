// Tables on a platform whose store is PostgreSQL: conditional writes, an index query, and a
// transaction that fails without a trace, through the HTTP API (the adapter's own semantics are
// in the store conformance suite).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json } from "./helpers.ts";

describe("tables on PostgreSQL", () => {
  let database: TestDatabase;
  let nimbus: TestPlatform;
  before(async () => {
    database = await createTestDatabase();
    nimbus = await startTestPlatform({
      appDir: join(FIXTURES, "tables"),
      options: { storeUrl: database.url },
    });
  });
  after(async () => {
    await nimbus?.stop();
    await database?.drop();
  });

  const send = (method: string, path: string, body: unknown) =>
    nimbus.admin(`/apps/notes/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("writes conditionally, queries an index and cancels a failing transaction whole", async () => {
    const create = { condition: "attribute_not_exists(userId)" };
    assert.equal(
      (
        await send("PUT", "tables/notes/items", {
          item: { userId: "p", noteId: "1", status: "open", createdAt: 2 },
          ...create,
        })
      ).status,
      200,
    );
    assert.equal(
      (await send("PUT", "tables/notes/items", { item: { userId: "p", noteId: "1" }, ...create })).status,
      409,
    );
    assert.equal(
      (
        await send("PUT", "tables/notes/items", {
          item: { userId: "q", noteId: "2", status: "open", createdAt: 1 },
        })
      ).status,
      200,
    );
    const open = await json<{ items: { noteId: string }[] }>(
      send("POST", "tables/notes/query", {
        index: "byStatus",
        keyCondition: "#s = :s",
        names: { "#s": "status" },
        values: { ":s": "open" },
      }),
    );
    assert.deepEqual(
      open.items.map((item) => item.noteId),
      ["2", "1"],
    );
    const refused = await send("POST", "tables-transact", {
      entries: [
        { put: { table: "accounts", item: { id: "new" } } },
        {
          check: {
            table: "notes",
            key: { userId: "p", noteId: "1" },
            condition: "#s = :done",
            names: { "#s": "status" },
            values: { ":done": "done" },
          },
        },
      ],
    });
    assert.equal(refused.status, 409);
    const none = await json<{ item: unknown }>(
      send("POST", "tables/accounts/items/get", { key: { id: "new" } }),
    );
    assert.equal(none.item, null);
  });
});
