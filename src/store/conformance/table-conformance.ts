// Table item semantics every adapter must keep: atomic mutations (a throw in any decide leaves
// no trace), key-ordered queries with sort conditions and cursors, index queries, scans, expiry,
// and conditional writes of one key that never both succeed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TableItem } from "../../core/tables/index.ts";
import type { ItemMutation, StoredIndexKey, StoredKey, StoredQuery, TableStore } from "../table-ports.ts";
import type { WithStore } from "./support.ts";
import { describeTableChangeConformance } from "./table-change-conformance.ts";

function put(
  table: string,
  key: StoredKey,
  item: TableItem,
  extra: { sortNumber?: number; index?: StoredIndexKey[]; expires?: number } = {},
): ItemMutation {
  return {
    table,
    key,
    decide: () => ({
      item,
      sortNumber: extra.sortNumber ?? null,
      indexKeys: extra.index ?? [],
      expiresAtSeconds: extra.expires ?? null,
    }),
  };
}

function query(overrides: Partial<StoredQuery>): StoredQuery {
  return {
    table: "events",
    index: undefined,
    partition: "u1",
    sort: undefined,
    numericSort: false,
    descending: false,
    limit: 100,
    after: undefined,
    ...overrides,
  };
}

const sorts = (rows: { key: StoredKey }[]) => rows.map((row) => row.key.sort);

async function seedEvents(tables: TableStore): Promise<void> {
  const days = ["2026-01-01", "2026-01-02", "2026-02-01", "2026-02-15", "2026-03-01"];
  await tables.mutate(
    "shop",
    days.map((day) => put("events", { partition: "u1", sort: day }, { user: "u1", day })),
  );
  await tables.mutate("shop", [
    put("events", { partition: "u2", sort: "2026-01-01" }, { user: "u2", day: "2026-01-01" }),
  ]);
}

export function describeTableConformance(withStore: WithStore): void {
  describe("tables", () => {
    it("stores, reads and deletes items by key, returning old and new images", () =>
      withStore(async ({ tables }) => {
        const key = { partition: "u1", sort: "" };
        const [created] = await tables.mutate("shop", [put("users", key, { id: "u1", n: 1 })]);
        assert.deepEqual(created, { oldItem: undefined, newItem: { id: "u1", n: 1 } });
        const [replaced] = await tables.mutate("shop", [put("users", key, { id: "u1", n: 2 })]);
        assert.deepEqual(replaced?.oldItem, { id: "u1", n: 1 });
        assert.deepEqual(
          (await tables.getItems("shop", "users", [key, { partition: "nobody", sort: "" }])).map(
            (row) => row.item,
          ),
          [{ id: "u1", n: 2 }],
        );
        assert.deepEqual(await tables.getItems("other", "users", [key]), [], "apps are separate");
        const [deleted] = await tables.mutate("shop", [{ table: "users", key, decide: () => null }]);
        assert.deepEqual(deleted, { oldItem: { id: "u1", n: 2 }, newItem: undefined });
        assert.deepEqual(await tables.getItems("shop", "users", [key]), []);
      }));

    it("applies all mutations of a call or none: a throw leaves no trace", () =>
      withStore(async ({ tables }) => {
        await tables.mutate("shop", [put("accounts", { partition: "a", sort: "" }, { balance: 10 })]);
        await assert.rejects(
          tables.mutate("shop", [
            put("accounts", { partition: "a", sort: "" }, { balance: 0 }),
            put(
              "ledger",
              { partition: "t1", sort: "" },
              { amount: 10 },
              { index: [{ index: "byAmount", partition: "x", sort: "10", sortNumber: 10 }] },
            ),
            {
              table: "accounts",
              key: { partition: "b", sort: "" },
              decide: () => {
                throw new Error("condition failed");
              },
            },
          ]),
          /condition failed/,
        );
        assert.deepEqual(
          (await tables.getItems("shop", "accounts", [{ partition: "a", sort: "" }]))[0]?.item,
          { balance: 10 },
        );
        assert.deepEqual(await tables.getItems("shop", "ledger", [{ partition: "t1", sort: "" }]), []);
        assert.deepEqual(
          await tables.query("shop", query({ table: "ledger", index: "byAmount", partition: "x" })),
          [],
        );
        assert.deepEqual(await tables.tablesWithItems("shop"), ["accounts"]);
      }));

    it("queries one partition in sort order with every sort condition, both directions", () =>
      withStore(async ({ tables }) => {
        await seedEvents(tables);
        assert.deepEqual(sorts(await tables.query("shop", query({}))), [
          "2026-01-01",
          "2026-01-02",
          "2026-02-01",
          "2026-02-15",
          "2026-03-01",
        ]);
        assert.deepEqual(sorts(await tables.query("shop", query({ descending: true, limit: 2 }))), [
          "2026-03-01",
          "2026-02-15",
        ]);
        assert.deepEqual(
          sorts(await tables.query("shop", query({ sort: { op: "beginsWith", prefix: "2026-02" } }))),
          ["2026-02-01", "2026-02-15"],
        );
        assert.deepEqual(
          sorts(
            await tables.query(
              "shop",
              query({ sort: { op: "between", low: "2026-01-02", high: "2026-02-01" } }),
            ),
          ),
          ["2026-01-02", "2026-02-01"],
        );
        assert.deepEqual(
          sorts(await tables.query("shop", query({ sort: { op: "<", value: "2026-01-02" } }))),
          ["2026-01-01"],
        );
        assert.deepEqual(
          sorts(await tables.query("shop", query({ sort: { op: ">=", value: "2026-02-15" } }))),
          ["2026-02-15", "2026-03-01"],
        );
        assert.deepEqual(
          sorts(await tables.query("shop", query({ sort: { op: "=", value: "2026-02-01" } }))),
          ["2026-02-01"],
        );
        assert.deepEqual(sorts(await tables.query("shop", query({ partition: "u2" }))), ["2026-01-01"]);
      }));

    it("pages through a query with cursors, forwards and backwards", () =>
      withStore(async ({ tables }) => {
        await seedEvents(tables);
        for (const descending of [false, true]) {
          const seen: string[] = [];
          let after: StoredQuery["after"];
          for (;;) {
            const page = await tables.query("shop", query({ limit: 2, descending, after }));
            seen.push(...sorts(page));
            if (page.length < 2) break;
            after = { sort: (page[page.length - 1] as { key: StoredKey }).key.sort, item: undefined };
          }
          const expected = ["2026-01-01", "2026-01-02", "2026-02-01", "2026-02-15", "2026-03-01"];
          assert.deepEqual(seen, descending ? expected.reverse() : expected);
        }
      }));

    it("orders numeric sort keys as numbers", () =>
      withStore(async ({ tables }) => {
        await tables.mutate(
          "shop",
          [2, 10, 1.5, -3].map((n) =>
            put("scores", { partition: "p", sort: String(n) }, { n }, { sortNumber: n }),
          ),
        );
        const rows = await tables.query(
          "shop",
          query({ table: "scores", partition: "p", numericSort: true }),
        );
        assert.deepEqual(
          rows.map((row) => row.item.n),
          [-3, 1.5, 2, 10],
        );
        const between = await tables.query(
          "shop",
          query({
            table: "scores",
            partition: "p",
            numericSort: true,
            sort: { op: "between", low: 0, high: 5 },
          }),
        );
        assert.deepEqual(
          between.map((row) => row.item.n),
          [1.5, 2],
        );
        const after = await tables.query(
          "shop",
          query({
            table: "scores",
            partition: "p",
            numericSort: true,
            after: { sort: "1.5", item: undefined },
          }),
        );
        assert.deepEqual(
          after.map((row) => row.item.n),
          [2, 10],
        );
      }));

    it("queries secondary indexes, following each item's latest write", () =>
      withStore(async ({ tables }) => {
        const byStatus = (status: string, created: string, id: string): StoredIndexKey[] => [
          { index: "byStatus", partition: status, sort: created, sortNumber: null },
          { index: "byOwner", partition: `owner-${id}`, sort: "", sortNumber: null },
        ];
        await tables.mutate("shop", [
          put(
            "orders",
            { partition: "o1", sort: "" },
            { id: "o1", status: "open" },
            { index: byStatus("open", "2026-01-02", "o1") },
          ),
          put(
            "orders",
            { partition: "o2", sort: "" },
            { id: "o2", status: "open" },
            { index: byStatus("open", "2026-01-01", "o2") },
          ),
          put(
            "orders",
            { partition: "o3", sort: "" },
            { id: "o3", status: "open" },
            { index: byStatus("open", "2026-01-01", "o3") },
          ),
        ]);
        const open = await tables.query(
          "shop",
          query({ table: "orders", index: "byStatus", partition: "open" }),
        );
        assert.deepEqual(
          open.map((row) => row.item.id),
          ["o2", "o3", "o1"],
        );
        const second = await tables.query(
          "shop",
          query({
            table: "orders",
            index: "byStatus",
            partition: "open",
            after: { sort: "2026-01-01", item: { partition: "o2", sort: "" } },
          }),
        );
        assert.deepEqual(
          second.map((row) => row.item.id),
          ["o3", "o1"],
          "the cursor carries the item key: index keys repeat",
        );
        await tables.mutate("shop", [
          put(
            "orders",
            { partition: "o1", sort: "" },
            { id: "o1", status: "done" },
            { index: byStatus("done", "2026-01-02", "o1") },
          ),
          { table: "orders", key: { partition: "o2", sort: "" }, decide: () => null },
        ]);
        assert.deepEqual(
          (await tables.query("shop", query({ table: "orders", index: "byStatus", partition: "open" }))).map(
            (row) => row.item.id,
          ),
          ["o3"],
        );
        assert.deepEqual(
          (await tables.query("shop", query({ table: "orders", index: "byStatus", partition: "done" }))).map(
            (row) => row.item.id,
          ),
          ["o1"],
        );
      }));

    it("scans a table in key order with pagination", () =>
      withStore(async ({ tables }) => {
        await seedEvents(tables);
        const seen: string[] = [];
        let after: StoredKey | undefined;
        for (;;) {
          const page = await tables.scan("shop", "events", 4, after);
          seen.push(...page.map((row) => `${row.key.partition}/${row.key.sort}`));
          if (page.length < 4) break;
          after = (page[page.length - 1] as { key: StoredKey }).key;
        }
        assert.equal(seen.length, 6);
        assert.deepEqual(seen.slice(-1), ["u2/2026-01-01"]);
      }));

    it("deletes items whose TTL passed, and only those", () =>
      withStore(async ({ tables }) => {
        await tables.mutate("shop", [
          put("sessions", { partition: "old", sort: "" }, { id: "old" }, { expires: 100 }),
          put("sessions", { partition: "new", sort: "" }, { id: "new" }, { expires: 10_000 }),
          put("sessions", { partition: "forever", sort: "" }, { id: "forever" }),
        ]);
        const expired = await tables.deleteExpired("shop", "sessions", 5_000, 100);
        assert.deepEqual(
          expired.map((row) => row.item.id),
          ["old"],
        );
        const left = await tables.scan("shop", "sessions", 10, undefined);
        assert.deepEqual(left.map((row) => row.item.id).sort(), ["forever", "new"]);
      }));

    it("never lets two conditional creates of one key both succeed", () =>
      withStore(async ({ tables }) => {
        const key = { partition: "unique", sort: "" };
        const create = (writer: number): ItemMutation => ({
          table: "locks",
          key,
          decide: (current) => {
            if (current) throw new Error("exists");
            return { item: { writer }, sortNumber: null, indexKeys: [], expiresAtSeconds: null };
          },
        });
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, writer) => tables.mutate("shop", [create(writer)])),
        );
        assert.equal(results.filter((result) => result.status === "fulfilled").length, 1);
      }));
  });
  describeTableChangeConformance(withStore);
}
