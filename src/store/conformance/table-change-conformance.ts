// Table change streams every adapter must keep: a change record is written with its item in
// the same transaction (and rolled back with it), only for real changes of mutations that ask
// for one, numbered in commit order even under concurrent writers; checkpoints only move
// forward; pruning never lets a seq be reused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TableItem } from "../../core/tables/index.ts";
import type { ItemMutation, StoredKey, TableStore } from "../table-ports.ts";
import type { WithStore } from "./support.ts";

function write(table: string, key: StoredKey, item: TableItem | null, recordChange = true): ItemMutation {
  return {
    table,
    key,
    recordChange,
    decide: () => (item === null ? null : { item, sortNumber: null, indexKeys: [], expiresAtSeconds: null }),
  };
}

const summary = async (tables: TableStore, table: string, after = 0) =>
  (await tables.readChanges("shop", table, after, 100)).map((change) => ({
    name: change.name,
    key: change.key.partition,
    oldItem: change.oldItem,
    newItem: change.newItem,
  }));

export function describeTableChangeConformance(withStore: WithStore): void {
  describe("table change records", () => {
    it("records inserts, modifications and removals with both images, in order", () =>
      withStore(async ({ tables }) => {
        const key = { partition: "o1", sort: "" };
        await tables.mutate("shop", [write("orders", key, { id: "o1", n: 1 })]);
        await tables.mutate("shop", [write("orders", key, { id: "o1", n: 2 })]);
        await tables.mutate("shop", [write("orders", key, { id: "o1", n: 2 })]); // unchanged
        await tables.mutate("shop", [write("orders", key, null)]);
        await tables.mutate("shop", [write("orders", key, null)]); // nothing to remove
        await tables.mutate("shop", [write("orders", { partition: "o2", sort: "" }, { id: "o2" }, false)]);
        assert.deepEqual(await summary(tables, "orders"), [
          { name: "INSERT", key: "o1", oldItem: undefined, newItem: { id: "o1", n: 1 } },
          { name: "MODIFY", key: "o1", oldItem: { id: "o1", n: 1 }, newItem: { id: "o1", n: 2 } },
          { name: "REMOVE", key: "o1", oldItem: { id: "o1", n: 2 }, newItem: undefined },
        ]);
        const changes = await tables.readChanges("shop", "orders", 0, 100);
        const seqs = changes.map((change) => change.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          "seq increases",
        );
        assert.ok(changes.every((change) => !change.expired && change.atMs > 0 && change.table === "orders"));
        assert.deepEqual(await tables.readChanges("other", "orders", 0, 100), [], "apps are separate");
        assert.equal((await tables.readChanges("shop", "orders", seqs[0] as number, 1)).length, 1);
      }));

    it("rolls a change record back with its write", () =>
      withStore(async ({ tables }) => {
        await assert.rejects(
          tables.mutate("shop", [
            write("orders", { partition: "a", sort: "" }, { id: "a" }),
            {
              table: "orders",
              key: { partition: "b", sort: "" },
              recordChange: true,
              decide: () => {
                throw new Error("condition failed");
              },
            },
          ]),
        );
        assert.deepEqual(await tables.readChanges("shop", "orders", 0, 100), []);
      }));

    it("records a TTL deletion as an expired REMOVE when asked", () =>
      withStore(async ({ tables }) => {
        const session = (id: string) => ({
          table: "sessions",
          key: { partition: id, sort: "" },
          decide: () => ({ item: { id }, sortNumber: null, indexKeys: [], expiresAtSeconds: 10 }),
        });
        await tables.mutate("shop", [session("s1"), session("s2")]);
        assert.equal((await tables.deleteExpired("shop", "sessions", 20, 1, true)).length, 1);
        assert.equal((await tables.deleteExpired("shop", "sessions", 20, 1)).length, 1);
        const changes = await tables.readChanges("shop", "sessions", 0, 100);
        assert.equal(changes.length, 1, "only the sweep that asked for records wrote one");
        assert.equal(changes[0]?.name, "REMOVE");
        assert.equal(changes[0]?.expired, true);
        assert.deepEqual(changes[0]?.newItem, undefined);
        assert.ok(["s1", "s2"].includes(String(changes[0]?.oldItem?.id)));
      }));

    it("keeps checkpoints per consumer, moving only forward", () =>
      withStore(async ({ tables }) => {
        assert.equal(await tables.changeCheckpoint("shop", "orders", "fn-a"), 0);
        await tables.advanceChangeCheckpoint("shop", "orders", "fn-a", 5);
        await tables.advanceChangeCheckpoint("shop", "orders", "fn-a", 3);
        await tables.advanceChangeCheckpoint("shop", "orders", "fn-b", 1);
        assert.equal(await tables.changeCheckpoint("shop", "orders", "fn-a"), 5);
        assert.equal(await tables.changeCheckpoint("shop", "orders", "fn-b"), 1);
        await tables.dropChangeCheckpoints("shop", "orders", ["fn-a"]);
        assert.equal(await tables.changeCheckpoint("shop", "orders", "fn-a"), 5);
        assert.equal(await tables.changeCheckpoint("shop", "orders", "fn-b"), 0);
      }));

    it("prunes consumed and old records without ever reusing a seq", () =>
      withStore(async ({ tables }) => {
        for (const id of ["a", "b", "c"])
          await tables.mutate("shop", [write("orders", { partition: id, sort: "" }, { id })]);
        await tables.mutate("shop", [write("carts", { partition: "x", sort: "" }, { id: "x" })]);
        const [first, second, third] = await tables.readChanges("shop", "orders", 0, 100);
        assert.equal(await tables.pruneChanges("shop", "orders", second?.seq as number, 0), 2);
        assert.deepEqual(
          (await tables.readChanges("shop", "orders", 0, 100)).map((change) => change.seq),
          [third?.seq],
        );
        assert.equal((await tables.readChanges("shop", "carts", 0, 100)).length, 1, "other tables kept");
        // Retention: everything written before the cut goes, whatever the table.
        assert.equal(await tables.pruneChanges("shop", "orders", 0, Date.now() + 60_000), 2);
        await tables.mutate("shop", [write("orders", { partition: "d", sort: "" }, { id: "d" })]);
        const [fresh] = await tables.readChanges("shop", "orders", 0, 100);
        assert.ok((fresh?.seq as number) > (third?.seq as number), "a pruned seq is not reused");
        assert.ok((first?.seq as number) < (second?.seq as number));
      }));

    it("lets a reader that follows concurrent writers see every record once, in seq order", () =>
      withStore(async ({ tables }) => {
        const seen: number[] = [];
        let after = 0;
        const follow = async () => {
          for (const change of await tables.readChanges("shop", "orders", after, 1000)) {
            seen.push(change.seq);
            after = change.seq;
          }
        };
        const writers = Array.from({ length: 40 }, (_, n) =>
          tables.mutate("shop", [write("orders", { partition: `k${n % 8}`, sort: String(n) }, { n })]),
        );
        let settled = false;
        const all = Promise.all(writers).finally(() => {
          settled = true;
        });
        while (!settled) await follow();
        await all;
        await follow();
        assert.equal(seen.length, 40, "no record skipped or repeated");
        assert.equal(new Set(seen).size, 40);
      }));
  });
}
