// Tables through the real server: declared in nimbus.yaml, used over the documented HTTP API
// (/_nimbus/apps/:app/tables/...) and through nimbus/sdk from a function with its own rights;
// DynamoDB semantics for conditions, updates, queries, indexes, batches and transactions; bad
// input refused with a code and no change; IAM conditions on the item's partition key.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json } from "./helpers.ts";
import { call, createAccessKey } from "./identity-helpers.ts";

type Item = Record<string, unknown>;

describe("tables over the HTTP API", () => {
  let nimbus: TestPlatform;

  function send(method: string, path: string, body: unknown): Promise<Response> {
    return nimbus.admin(`/apps/notes/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }
  async function ok<T = Item>(response: Promise<Response>, status = 200): Promise<T> {
    const answer = await response;
    assert.equal(answer.status, status, await answer.clone().text());
    return status === 204 ? (undefined as T) : json<T>(answer);
  }
  async function failure(response: Promise<Response>): Promise<[number, string]> {
    const answer = await response;
    return [answer.status, (await json<{ error: { code: string } }>(answer)).error.code];
  }
  const put = (table: string, item: Item, extra: Item = {}) =>
    send("PUT", `tables/${table}/items`, { item, ...extra });
  const get = async (table: string, key: Item) =>
    (await ok<{ item: Item | null }>(send("POST", `tables/${table}/items/get`, { key }))).item;
  const update = (table: string, body: Item) => send("POST", `tables/${table}/items/update`, body);
  const query = (table: string, body: Item) =>
    ok<{ items: Item[]; cursor?: string }>(send("POST", `tables/${table}/query`, body));

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "tables") });
  });
  after(() => nimbus?.stop());

  it("lists the declared tables with their keys, indexes and TTL attribute", async () => {
    const { tables } = await json<{
      tables: { name: string; partitionKey: { name: string }; ttlAttribute?: string }[];
    }>(nimbus.admin("/apps/notes/tables"));
    assert.deepEqual(
      tables.map((table) => table.name),
      ["notes", "scores", "accounts"],
    );
    assert.equal(tables[0]?.ttlAttribute, "expiresAt");
  });

  it("puts, gets and deletes items; a missing item reads as null", async () => {
    const note = { userId: "u1", noteId: "n1", text: "hello", tags: ["a"], meta: { pinned: true } };
    assert.deepEqual(await ok(put("notes", note)), { oldItem: null });
    assert.deepEqual(await get("notes", { userId: "u1", noteId: "n1" }), note);
    assert.equal(await get("notes", { userId: "u1", noteId: "nope" }), null);
    const deleted = await ok(
      send("POST", "tables/notes/items/delete", { key: { userId: "u1", noteId: "n1" } }),
    );
    assert.deepEqual(deleted, { oldItem: note });
    assert.equal(await get("notes", { userId: "u1", noteId: "n1" }), null);
  });

  it("writes only when the condition holds (create-only, optimistic concurrency by version)", async () => {
    const key = { userId: "u2", noteId: "v" };
    const create = { condition: "attribute_not_exists(userId)" };
    await ok(put("notes", { ...key, version: 1, text: "first" }, create));
    assert.deepEqual(await failure(put("notes", { ...key, version: 1, text: "again" }, create)), [
      409,
      "TABLE_CONDITION_FAILED",
    ]);
    const bump = (expected: number, text: string) =>
      update("notes", {
        key,
        update: "SET #t = :text, version = version + :one",
        condition: "version = :expected",
        names: { "#t": "text" },
        values: { ":text": text, ":one": 1, ":expected": expected },
      });
    const updated = await ok<{ item: Item }>(bump(1, "second"));
    assert.deepEqual(updated.item, { ...key, version: 2, text: "second" });
    assert.deepEqual(await failure(bump(1, "stale writer")), [409, "TABLE_CONDITION_FAILED"]);
    assert.equal((await get("notes", key))?.text, "second", "the failed write changed nothing");
    const guardedDelete = send("POST", "tables/notes/items/delete", {
      key,
      condition: "version = :v",
      values: { ":v": 9 },
    });
    assert.deepEqual(await failure(guardedDelete), [409, "TABLE_CONDITION_FAILED"]);
    assert.ok(await get("notes", key));
  });

  it("applies update expressions: SET, REMOVE, ADD, list_append, if_not_exists, DELETE", async () => {
    const key = { userId: "u3", noteId: "n" };
    await ok(put("notes", { ...key, tags: ["a", "b"], labels: ["x", "y"], obsolete: true, views: 1 }));
    const { item } = await ok<{ item: Item }>(
      update("notes", {
        key,
        update:
          "SET tags = list_append(tags, :more), likes = if_not_exists(likes, :zero) REMOVE obsolete ADD views :two DELETE labels :gone",
        values: { ":more": ["c"], ":zero": 0, ":two": 2, ":gone": ["x"] },
      }),
    );
    assert.deepEqual(item, { ...key, tags: ["a", "b", "c"], labels: ["y"], views: 3, likes: 0 });
    // An update of an item that does not exist creates it from its key (as DynamoDB's UpdateItem).
    const created = await ok<{ item: Item }>(
      update("notes", {
        key: { userId: "u3", noteId: "fresh" },
        update: "ADD views :one",
        values: { ":one": 1 },
      }),
    );
    assert.deepEqual(created.item, { userId: "u3", noteId: "fresh", views: 1 });
  });

  it("refuses bad input with a clear code and changes nothing", async () => {
    const key = { userId: "u4", noteId: "n" };
    await ok(put("notes", { ...key, n: 1 }));
    const cases: [Promise<Response>, number, string][] = [
      [update("notes", { key, update: "SET n = n +", values: {} }), 400, "TABLE_EXPRESSION_INVALID"],
      [update("notes", { key, update: "SET n = :v" }), 400, "TABLE_EXPRESSION_INVALID"],
      [update("notes", { key, update: "ADD n :s", values: { ":s": "x" } }), 400, "TABLE_EXPRESSION_INVALID"],
      [
        update("notes", { key, update: "SET userId = :u", values: { ":u": "other" } }),
        400,
        "TABLE_KEY_INVALID",
      ],
      [
        put("notes", { ...key, n: 2 }, { condition: "n === :v", values: { ":v": 1 } }),
        400,
        "TABLE_EXPRESSION_INVALID",
      ],
      [put("notes", { userId: "u4", n: 2 }), 400, "TABLE_KEY_INVALID"],
      [put("notes", { userId: 5, noteId: "n", n: 2 }), 400, "TABLE_KEY_INVALID"],
      [put("notes", { ...key, n: 2, blob: "x".repeat(400 * 1024) }), 413, "TABLE_ITEM_TOO_LARGE"],
      [
        update("notes", { key, update: "SET blob = :b", values: { ":b": "x".repeat(400 * 1024) } }),
        413,
        "TABLE_ITEM_TOO_LARGE",
      ],
      [send("POST", "tables/notes/items/get", { key: { ...key, extra: 1 } }), 400, "TABLE_KEY_INVALID"],
      [put("nope", { id: "x" }), 404, "TABLE_NOT_FOUND"],
      [
        send("POST", "tables/notes/query", { keyCondition: "noteId = :n", values: { ":n": "x" } }),
        400,
        "TABLE_EXPRESSION_INVALID",
      ],
      [
        send("POST", "tables/notes/query", {
          keyCondition: "userId = :u",
          values: { ":u": "u4" },
          cursor: "garbage",
        }),
        400,
        "BAD_REQUEST",
      ],
      [
        send("POST", "tables/notes/query", {
          keyCondition: "userId = :u",
          values: { ":u": "u4" },
          index: "missing",
        }),
        400,
        "BAD_REQUEST",
      ],
    ];
    for (const [response, status, code] of cases) assert.deepEqual(await failure(response), [status, code]);
    assert.deepEqual(await get("notes", key), { ...key, n: 1 });
  });

  it("queries a partition with sort key conditions, filters, descending order and cursors", async () => {
    for (const score of [5, 40, 100, 7, 12])
      await ok(put("scores", { game: "chess", score, player: `p${score}` }));
    await ok(put("scores", { game: "go", score: 1, player: "x" }));
    const scores = (page: { items: Item[] }) => page.items.map((item) => item.score);
    const chess = { ":g": "chess" };
    assert.deepEqual(
      scores(await query("scores", { keyCondition: "game = :g", values: chess })),
      [5, 7, 12, 40, 100],
    );
    assert.deepEqual(
      scores(
        await query("scores", { keyCondition: "game = :g AND score > :s", values: { ...chess, ":s": 10 } }),
      ),
      [12, 40, 100],
    );
    assert.deepEqual(
      scores(
        await query("scores", { keyCondition: "game = :g AND score <= :s", values: { ...chess, ":s": 7 } }),
      ),
      [5, 7],
    );
    assert.deepEqual(
      scores(
        await query("scores", {
          keyCondition: "game = :g AND score BETWEEN :a AND :b",
          values: { ...chess, ":a": 7, ":b": 40 },
        }),
      ),
      [7, 12, 40],
    );
    assert.deepEqual(
      scores(await query("scores", { keyCondition: "game = :g", values: chess, descending: true, limit: 2 })),
      [100, 40],
    );
    assert.deepEqual(
      scores(
        await query("scores", {
          keyCondition: "game = :g",
          filter: "player <> :p",
          values: { ...chess, ":p": "p40" },
        }),
      ),
      [5, 7, 12, 100],
    );
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await query("scores", {
        keyCondition: "game = :g",
        values: chess,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...scores(page));
      cursor = page.cursor;
    } while (cursor);
    assert.deepEqual(seen, [5, 7, 12, 40, 100]);
    for (const prefix of ["2026-01", "2026-02"])
      for (const day of ["01", "15"]) await ok(put("notes", { userId: "u5", noteId: `${prefix}-${day}` }));
    const feb = await query("notes", {
      keyCondition: "userId = :u AND begins_with(noteId, :p)",
      values: { ":u": "u5", ":p": "2026-02" },
    });
    assert.deepEqual(
      feb.items.map((item) => item.noteId),
      ["2026-02-01", "2026-02-15"],
    );
    const projected = await query("notes", {
      keyCondition: "userId = :u",
      values: { ":u": "u5" },
      projection: "noteId",
      limit: 1,
    });
    assert.deepEqual(projected.items, [{ noteId: "2026-01-01" }]);
  });

  it("queries a secondary index, which follows every write", async () => {
    await ok(put("notes", { userId: "u6", noteId: "a", status: "open", createdAt: 30 }));
    await ok(put("notes", { userId: "u7", noteId: "b", status: "open", createdAt: 10 }));
    await ok(put("notes", { userId: "u6", noteId: "c", status: "done", createdAt: 20 }));
    await ok(put("notes", { userId: "u6", noteId: "d" }));
    const open = () =>
      query("notes", {
        index: "byStatus",
        keyCondition: "#s = :s",
        names: { "#s": "status" },
        values: { ":s": "open" },
      });
    assert.deepEqual(
      (await open()).items.map((item) => item.noteId),
      ["b", "a"],
    );
    await ok(
      update("notes", {
        key: { userId: "u7", noteId: "b" },
        update: "SET #s = :done",
        names: { "#s": "status" },
        values: { ":done": "done" },
      }),
    );
    assert.deepEqual(
      (await open()).items.map((item) => item.noteId),
      ["a"],
    );
    const first = await query("notes", {
      index: "byStatus",
      keyCondition: "#s = :s AND createdAt > :t",
      names: { "#s": "status" },
      values: { ":s": "done", ":t": 0 },
      limit: 1,
    });
    assert.deepEqual(
      first.items.map((item) => item.noteId),
      ["b"],
    );
    const second = await query("notes", {
      index: "byStatus",
      keyCondition: "#s = :s AND createdAt > :t",
      names: { "#s": "status" },
      values: { ":s": "done", ":t": 0 },
      limit: 1,
      cursor: first.cursor,
    });
    assert.deepEqual(
      second.items.map((item) => item.noteId),
      ["c"],
    );
  });

  it("scans with pagination and filters", async () => {
    for (const id of ["s1", "s2", "s3"]) await ok(put("accounts", { id, balance: 10 }));
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await ok<{ items: Item[]; cursor?: string }>(
        send("POST", "tables/accounts/scan", { limit: 2, ...(cursor ? { cursor } : {}) }),
      );
      seen.push(...page.items.map((item) => item.id));
      cursor = page.cursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), ["s1", "s2", "s3"]);
  });

  it("hides items whose TTL passed", async () => {
    await ok(put("notes", { userId: "u8", noteId: "gone", expiresAt: Math.floor(Date.now() / 1000) - 10 }));
    await ok(put("notes", { userId: "u8", noteId: "kept", expiresAt: Math.floor(Date.now() / 1000) + 3600 }));
    assert.equal(await get("notes", { userId: "u8", noteId: "gone" }), null);
    const page = await query("notes", { keyCondition: "userId = :u", values: { ":u": "u8" } });
    assert.deepEqual(
      page.items.map((item) => item.noteId),
      ["kept"],
    );
    // An expired item counts as absent for conditions too.
    await ok(put("notes", { userId: "u8", noteId: "gone" }, { condition: "attribute_not_exists(userId)" }));
  });

  it("batch gets and batch writes", async () => {
    await ok(
      send("POST", "tables/accounts/batch-write", {
        writes: [
          { put: { id: "b1", balance: 1 } },
          { put: { id: "b2", balance: 2 } },
          { delete: { id: "s1" } },
        ],
      }),
      204,
    );
    const { items } = await ok<{ items: Item[] }>(
      send("POST", "tables/accounts/batch-get", {
        keys: [{ id: "b1" }, { id: "b2" }, { id: "s1" }, { id: "none" }],
      }),
    );
    assert.deepEqual(items.map((item) => item.id).sort(), ["b1", "b2"]);
  });

  it("runs transactions across tables all or nothing; a failed one leaves no trace", async () => {
    await ok(put("accounts", { id: "alice", balance: 100 }));
    await ok(put("accounts", { id: "bob", balance: 0 }));
    const transfer = (amount: number, note: string) =>
      send("POST", "tables-transact", {
        entries: [
          {
            update: {
              table: "accounts",
              key: { id: "alice" },
              update: "SET balance = balance - :a",
              condition: "balance >= :a",
              values: { ":a": amount },
            },
          },
          {
            update: {
              table: "accounts",
              key: { id: "bob" },
              update: "SET balance = balance + :a",
              values: { ":a": amount },
            },
          },
          {
            put: {
              table: "notes",
              item: { userId: "ledger", noteId: note, amount },
              condition: "attribute_not_exists(noteId)",
            },
          },
        ],
      });
    await ok(transfer(60, "t1"), 204);
    const refused = await transfer(60, "t2");
    assert.equal(refused.status, 409);
    const body = await json<{ error: { code: string; details: { index: number } } }>(refused);
    assert.equal(body.error.code, "TABLE_TRANSACTION_CANCELED");
    assert.equal(body.error.details.index, 0);
    assert.equal((await get("accounts", { id: "alice" }))?.balance, 40);
    assert.equal((await get("accounts", { id: "bob" }))?.balance, 60);
    assert.equal(
      await get("notes", { userId: "ledger", noteId: "t2" }),
      null,
      "no trace of the failed transaction",
    );
    const duplicate = await send("POST", "tables-transact", {
      entries: [
        { put: { table: "accounts", item: { id: "x" } } },
        { delete: { table: "accounts", key: { id: "x" } } },
      ],
    });
    assert.deepEqual(await failure(Promise.resolve(duplicate)), [409, "TABLE_TRANSACTION_CANCELED"]);
  });

  it("lets a policy limit a caller to the items of one partition key", async () => {
    await ok(put("notes", { userId: "u9", noteId: "mine" }));
    await ok(put("notes", { userId: "u10", noteId: "theirs" }));
    const key = await createAccessKey(nimbus, "u9-only", [
      {
        effect: "allow",
        actions: ["tables:GetItem", "tables:PutItem", "tables:Query"],
        resources: ["nrn:notes:table/notes"],
        conditions: { StringEquals: { "tables:partitionKey": "u9" } },
      },
    ]);
    const as = (method: string, path: string, body: unknown) =>
      call(nimbus, method, `/apps/notes/tables/notes/${path}`, key.authorization, body);
    assert.equal((await as("POST", "items/get", { key: { userId: "u9", noteId: "mine" } })).status, 200);
    assert.equal((await as("POST", "items/get", { key: { userId: "u10", noteId: "theirs" } })).status, 403);
    assert.equal((await as("PUT", "items", { item: { userId: "u10", noteId: "x" } })).status, 403);
    assert.equal(
      (await as("POST", "query", { keyCondition: "userId = :u", values: { ":u": "u9" } })).status,
      200,
    );
    assert.equal(
      (await as("POST", "query", { keyCondition: "userId = :u", values: { ":u": "u10" } })).status,
      403,
    );
    assert.equal(
      (await as("POST", "items/delete", { key: { userId: "u9", noteId: "mine" } })).status,
      403,
      "no DeleteItem",
    );
    assert.equal(await get("notes", { userId: "u10", noteId: "x" }), null);
  });

  it("serves functions through nimbus/sdk with their own rights", async () => {
    const sdk = (op: string, body: unknown) =>
      fetch(`${nimbus.url}/sdk/${op}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const key = { userId: "fn", noteId: "1" };
    assert.equal((await sdk("put", { table: "notes", item: { ...key, count: 1 } })).status, 200);
    const updated = await json<{ item: Item }>(
      sdk("update", {
        table: "notes",
        key,
        update: "ADD #c :one",
        options: { names: { "#c": "count" }, values: { ":one": 1 } },
      }),
    );
    assert.equal(updated.item.count, 2);
    assert.deepEqual(await json(sdk("get", { table: "notes", key })), { item: { ...key, count: 2 } });
    const page = await json<{ items: Item[] }>(
      sdk("query", { table: "notes", query: { keyCondition: "userId = :u", values: { ":u": "fn" } } }),
    );
    assert.equal(page.items.length, 1);
    const conflict = await sdk("put", {
      table: "notes",
      item: key,
      options: { condition: "attribute_not_exists(userId)" },
    });
    assert.deepEqual(
      [conflict.status, (await json<{ code: string }>(conflict)).code],
      [409, "TABLE_CONDITION_FAILED"],
    );
    const denied = await sdk("get", { table: "accounts", key: { id: "alice" } });
    assert.deepEqual([denied.status, (await json<{ code: string }>(denied)).code], [403, "ACCESS_DENIED"]);
    assert.equal((await sdk("delete", { table: "notes", key })).status, 200);
  });
});
