import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type NewEntityOperation, OPERATIONS_KEPT } from "../entity-ports.ts";
import type { WithStore } from "./support.ts";

const alice = { app: "bank", entity: "account", key: "alice" };

function op(operationId: string, overrides: Partial<NewEntityOperation> = {}): NewEntityOperation {
  return {
    ...alice,
    operationId,
    operation: "deposit",
    input: "5",
    kind: "call",
    nowMs: 1_000,
    ...overrides,
  };
}

export function describeEntityConformance(withStore: WithStore): void {
  describe("entities", () => {
    it("queues operations once per id and claims a key with its oldest ones, in order", () =>
      withStore(async ({ entities }) => {
        const first = await entities.enqueue(op("o1"));
        assert.equal(first.duplicate, false);
        assert.equal(first.operation.status, "queued");
        await entities.enqueue(op("o2", { input: "7", kind: "signal" }));
        await entities.enqueue(op("o3"));
        const again = await entities.enqueue(op("o1", { input: "99" }));
        assert.equal(again.duplicate, true);
        assert.equal(again.operation.input, "5", "the first enqueue wins");
        const record = await entities.get(alice);
        assert.equal(record?.state, undefined, "no state before the first commit");
        assert.equal(record?.queued, 3);
        assert.equal(await entities.nextDueAt(), 1_000);
        assert.deepEqual(await entities.claimDue(999, 10, 10, 60_000), [], "not due yet");
        const [claimed] = await entities.claimDue(1_000, 10, 2, 60_000);
        assert.ok(claimed);
        assert.deepEqual(
          claimed.operations.map((operation) => [operation.operationId, operation.input, operation.kind]),
          [
            ["o1", "5", "call"],
            ["o2", "7", "signal"],
          ],
        );
        assert.deepEqual(await entities.claimDue(1_500, 10, 10, 60_000), [], "one claim per key at a time");
      }));

    it("commits state with the results atomically, fences stale tokens, and stays due while work is left", () =>
      withStore(async ({ entities }) => {
        for (const id of ["o1", "o2", "o3"]) await entities.enqueue(op(id));
        const [claimed] = await entities.claimDue(1_000, 10, 2, 60_000);
        assert.ok(claimed);
        const committed = await entities.commit({
          ...alice,
          claimToken: claimed.claimToken,
          state: '{"balance":12}',
          results: [
            { operationId: "o1", output: "5" },
            { operationId: "o2", error: '{"name":"Error","message":"no"}' },
          ],
          nowMs: 2_000,
        });
        assert.equal(committed, true);
        const record = await entities.get(alice);
        assert.equal(record?.state, '{"balance":12}');
        assert.equal(record?.version, 2);
        assert.equal(record?.queued, 1);
        const o1 = await entities.operation(alice, "o1");
        assert.deepEqual([o1?.status, o1?.output, o1?.finishedAt], ["done", "5", 2_000]);
        assert.equal((await entities.operation(alice, "o2"))?.error, '{"name":"Error","message":"no"}');
        const stale = await entities.commit({
          ...alice,
          claimToken: claimed.claimToken,
          state: '{"balance":0}',
          results: [{ operationId: "o3", output: "0" }],
          nowMs: 2_500,
        });
        assert.equal(stale, false, "the claim ended with the commit");
        assert.equal((await entities.get(alice))?.state, '{"balance":12}');
        assert.equal(await entities.nextDueAt(), 2_000, "o3 is still queued");
        const [next] = await entities.claimDue(2_000, 10, 10, 60_000);
        assert.ok(next && next.claimToken > claimed.claimToken);
        assert.deepEqual(
          next.operations.map((operation) => operation.operationId),
          ["o3"],
        );
        await entities.commit({
          ...alice,
          claimToken: next.claimToken,
          state: undefined,
          results: [{ operationId: "o3", output: "12" }],
          nowMs: 3_000,
        });
        assert.equal((await entities.get(alice))?.state, '{"balance":12}', "undefined keeps the state");
        assert.equal(await entities.nextDueAt(), undefined);
        assert.deepEqual(
          (await entities.history(alice, 10)).map((operation) => operation.operationId),
          ["o3", "o2", "o1"],
        );
      }));

    it("releases a claim that got no answer: attempts counted, due again later, and takes an expired claim over", () =>
      withStore(async ({ entities }) => {
        await entities.enqueue(op("o1"));
        const [claimed] = await entities.claimDue(1_000, 10, 10, 1_000);
        assert.ok(claimed);
        assert.equal(await entities.extendClaim(alice, claimed.claimToken, 5_000), true);
        assert.deepEqual(await entities.claimDue(4_000, 10, 10, 1_000), [], "extended");
        assert.equal(await entities.release(alice, claimed.claimToken, ["o1"], 6_000, 4_500), true);
        assert.equal((await entities.operation(alice, "o1"))?.attempts, 1);
        assert.equal(await entities.nextDueAt(), 6_000);
        assert.deepEqual(await entities.claimDue(5_999, 10, 10, 1_000), []);
        const [again] = await entities.claimDue(6_000, 10, 10, 1_000);
        assert.ok(again);
        // Its holder died: after the claim expires another node takes the key over.
        const [taken] = await entities.claimDue(7_001, 10, 10, 1_000);
        assert.ok(taken && taken.claimToken > again.claimToken);
        assert.equal(await entities.release(alice, again.claimToken, [], 8_000, 8_000), false, "fenced");
        assert.equal(await entities.extendClaim(alice, again.claimToken, 9_000), false);
      }));

    it("lists keys per entity and keeps the newest completed operations of a key", () =>
      withStore(async ({ entities }) => {
        await entities.enqueue(op("a", { key: "bob" }));
        await entities.enqueue(op("b", { entity: "cart", key: "c1" }));
        await entities.enqueue(op("c"));
        assert.deepEqual(
          (await entities.list("bank", undefined, 10)).map((record) => `${record.entity}/${record.key}`),
          ["account/alice", "account/bob", "cart/c1"],
        );
        assert.deepEqual(
          (await entities.list("bank", "cart", 10)).map((record) => record.key),
          ["c1"],
        );
        assert.deepEqual(await entities.list("other", undefined, 10), []);
        const count = OPERATIONS_KEPT + 5;
        for (let index = 0; index < count; index++) await entities.enqueue(op(`p${index}`));
        const claimed = await entities.claimDue(1_000, 10, count + 1, 60_000);
        const mine = claimed.find((each) => each.entity.key === "alice");
        assert.ok(mine);
        await entities.commit({
          ...alice,
          claimToken: mine.claimToken,
          state: "1",
          results: mine.operations.map((operation) => ({ operationId: operation.operationId, output: "1" })),
          nowMs: 2_000,
        });
        const history = await entities.history(alice, count + 10);
        assert.equal(history.length, OPERATIONS_KEPT);
        assert.equal(history[0]?.operationId, `p${count - 1}`);
        assert.equal(await entities.operation(alice, "c"), undefined, "the oldest were pruned");
      }));
  });
}
