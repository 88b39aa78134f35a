import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { entity, read } from "./entity.ts";
import type { EntityRunAnswer, EntityRunRequest } from "./entity-protocol.ts";

const account = entity("account", {
  state: () => ({ balance: 0 }),
  handlers: {
    deposit(ctx, n: number) {
      ctx.state.balance += n;
      return ctx.state.balance;
    },
    withdraw(ctx, n: number) {
      ctx.state.balance -= n;
      if (ctx.state.balance < 0) throw new Error("insufficient funds");
      return ctx.state.balance;
    },
    reset(ctx) {
      ctx.state = { balance: 0 };
    },
    balance: read((ctx) => ctx.state.balance),
    sneaky: read((ctx) => {
      (ctx.state as { balance: number }).balance = 1_000;
    }),
  },
});

function run(state: string | null, ...operations: [string, unknown][]): Promise<EntityRunAnswer> {
  const request: EntityRunRequest = {
    nimbusEntity: 1,
    type: "run",
    entity: "account",
    key: "alice",
    state,
    operations: operations.map(([operation, input], index) => ({
      operationId: `op${index}`,
      operation,
      input: JSON.stringify(input ?? null),
    })),
  };
  return account.handle(request) as Promise<EntityRunAnswer>;
}

describe("entity()", () => {
  it("describes its operations, reads marked", async () => {
    assert.deepEqual(await account.handle({ nimbusEntity: 1, type: "describe", entity: "account" }), {
      entity: "account",
      operations: { deposit: "write", withdraw: "write", reset: "write", balance: "read", sneaky: "read" },
    });
  });

  it("runs a batch in order from the initial state; a throwing handler's changes are discarded", async () => {
    const answer = await run(null, ["deposit", 5], ["withdraw", 7], ["deposit", 2], ["balance", null]);
    assert.equal(answer.state, '{"balance":7}');
    assert.deepEqual(answer.results[0], { operationId: "op0", output: "5" });
    assert.match(answer.results[1]?.error ?? "", /insufficient funds/);
    assert.deepEqual(answer.results[2], { operationId: "op2", output: "7" });
    assert.deepEqual(answer.results[3], { operationId: "op3", output: "7" });
  });

  it("continues from the committed state, lets a handler replace it, and keeps reads from changing it", async () => {
    const answer = await run('{"balance":40}', ["sneaky", null], ["balance", null], ["reset", null]);
    assert.match(answer.results[0]?.error ?? "", /read only|Cannot assign/);
    assert.deepEqual(answer.results[1], { operationId: "op1", output: "40" });
    assert.deepEqual(answer.results[2], { operationId: "op2" });
    assert.equal(answer.state, '{"balance":0}');
  });

  it("answers an unknown operation with an error result, and a direct call with 400", async () => {
    const answer = await run(null, ["steal", 1]);
    assert.match(answer.results[0]?.error ?? "", /has no operation/);
    const response = await account.fetch(new Request("http://x/", { method: "POST", body: "{}" }));
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "ENTITY_DIRECT_CALL");
  });
});
