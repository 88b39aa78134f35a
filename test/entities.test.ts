// Durable entities through the real server and real function processes: operations of one
// key serialized under concurrent callers, reads beside a running write, idempotent operation
// ids, calls from functions (with and without the right) and from a workflow, the CLI, and
// bad input refused with stable codes.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

interface EntityView {
  entity: string;
  key: string;
  state: { balance: number } | undefined;
  version: number;
  queued: number;
}

interface OperationView {
  operationId: string;
  operation: string;
  kind: string;
  status: string;
  output: unknown;
  error: { message: string } | undefined;
}

describe("entities", () => {
  let nimbus: TestPlatform;
  const root = mkdtempSync(join(tmpdir(), "nimbus-entities-"));

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "entities") });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    nimbus.admin(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const keyPath = (key: string, entity = "account") => `/apps/ledger/entities/${entity}/${key}`;
  const call = (key: string, operation: string, input?: unknown, operationId?: string) =>
    post(`${keyPath(key)}/call/${operation}`, { input, operationId });
  const state = (key: string) => json<EntityView>(nimbus.admin(keyPath(key)));
  const invoke = async (fn: string, payload: unknown) => {
    const result = await json<{ body: string }>(post(`/apps/ledger/functions/${fn}/invoke`, payload));
    return JSON.parse(result.body) as { output?: unknown; error?: string };
  };

  async function errorOf(response: Response): Promise<[number, string]> {
    const body = (await response.json()) as { error?: { code?: string } };
    return [response.status, body.error?.code ?? "none"];
  }

  it("serializes 50 concurrent deposits on one key: every caller sees its own balance, the total is exact", async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => call("alice", "deposit", 1)));
    const balances: number[] = [];
    for (const response of responses) {
      assert.equal(response.status, 200, await response.clone().text());
      balances.push(((await response.json()) as { output: number }).output);
    }
    assert.deepEqual(
      balances.toSorted((a, b) => a - b),
      Array.from({ length: 50 }, (_, index) => index + 1),
      "each deposit ran on the state the previous one left",
    );
    const alice = await state("alice");
    assert.deepEqual(alice.state, { balance: 50 });
    assert.equal(alice.version, 50);
    assert.equal(alice.queued, 0);
  });

  it("runs reads beside a write that is still running, on the committed state", async () => {
    const dir = mkdtempSync(join(root, "reads-"));
    await call("bob", "deposit", 10);
    const holding = call("bob", "hold", { dir, amount: 5 });
    await waitFor(() => existsSync(join(dir, "holds")), "the hold operation to start");
    const reads = await Promise.all(
      Array.from({ length: 4 }, () => post(`${keyPath("bob")}/read/balance`, {}).then((r) => json(r))),
    );
    assert.deepEqual(
      reads.map((read) => read.output),
      [10, 10, 10, 10],
      "reads did not wait for the write and saw the committed state",
    );
    const viaCall = await json<{ output: number }>(call("bob", "balance"));
    assert.equal(viaCall.output, 10, "a read through call runs at once too");
    writeFileSync(join(dir, "gate"), "");
    assert.equal((await json<{ output: number }>(holding)).output, 15);
    assert.deepEqual((await state("bob")).state, { balance: 15 });
  });

  it("runs an operation id once, refuses its reuse for another operation, and keeps a failed operation's changes out", async () => {
    const first = await json<{ output: number; duplicate: boolean }>(call("carol", "deposit", 7, "op-1"));
    const again = await json<{ output: number; duplicate: boolean }>(call("carol", "deposit", 7, "op-1"));
    assert.deepEqual([first.output, first.duplicate], [7, false]);
    assert.deepEqual([again.output, again.duplicate], [7, true]);
    assert.deepEqual(await errorOf(await call("carol", "withdraw", 1, "op-1")), [
      409,
      "ENTITY_OPERATION_ID_CONFLICT",
    ]);
    const failed = await call("carol", "withdraw", 100);
    assert.deepEqual(await errorOf(failed.clone()), [422, "ENTITY_OPERATION_FAILED"]);
    assert.deepEqual((await state("carol")).state, { balance: 7 }, "state as before the failed operation");
    const history = await json<{ operations: OperationView[] }>(nimbus.admin(`${keyPath("carol")}/history`));
    assert.deepEqual(
      history.operations.map((operation) => [operation.operation, operation.status, operation.output]),
      [
        ["withdraw", "done", undefined],
        ["deposit", "done", 7],
      ],
    );
    assert.match(history.operations[0]?.error?.message ?? "", /insufficient funds/);
  });

  it("queues a signal durably and runs it without a caller", async () => {
    const response = await post(`${keyPath("dave")}/signal/deposit`, { input: 3, operationId: "sig-1" });
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), { operationId: "sig-1", duplicate: false });
    await waitFor(async () => (await state("dave")).state?.balance === 3, "the signal to run");
    const operation = await json<OperationView>(nimbus.admin(`${keyPath("dave")}/operations/sig-1`));
    assert.deepEqual([operation.kind, operation.status, operation.output], ["signal", "done", 3]);
  });

  it("is called by a function with its own token, and refused to one without the right", async () => {
    assert.deepEqual(
      await invoke("caller", { action: "call", key: "erin", operation: "deposit", input: 4 }),
      {
        output: 4,
      },
    );
    assert.deepEqual(await invoke("caller", { action: "read", key: "erin", operation: "balance" }), {
      output: 4,
    });
    const signalled = await invoke("caller", {
      action: "signal",
      key: "erin",
      operation: "deposit",
      input: 1,
    });
    assert.equal((signalled.output as { duplicate: boolean }).duplicate, false);
    await waitFor(async () => (await state("erin")).state?.balance === 5, "the function's signal to run");
    assert.deepEqual(
      await invoke("caller", { action: "read", key: "erin", operation: "deposit", input: 1 }),
      {
        error: "ENTITY_OPERATION_NOT_READ",
      },
    );
    for (const action of ["call", "signal", "read", "get"]) {
      assert.deepEqual(
        await invoke("stranger", { action, key: "erin", operation: "balance" }),
        { error: "ACCESS_DENIED" },
        action,
      );
    }
    assert.deepEqual((await state("erin")).state, { balance: 5 });
  });

  it("is called by a workflow as journaled steps", async () => {
    await call("frank", "deposit", 20);
    const started = await post("/apps/ledger/workflows/transfer/instances", {
      input: { from: "frank", to: "gina", amount: 8 },
      instanceId: "transfer-1",
    });
    assert.equal(started.status, 201, await started.clone().text());
    const done = await waitFor(
      async () => {
        const instance = await json<{ status: string; output: unknown; history: { key: string }[] }>(
          nimbus.admin("/workflows/transfer-1"),
        );
        return instance.status === "running" ? undefined : instance;
      },
      "the transfer to finish",
      30_000,
    );
    assert.equal(done.status, "completed", JSON.stringify(done));
    assert.deepEqual(done.output, { left: 12, received: 8 });
    assert.deepEqual(
      done.history.map((entry) => entry.key),
      [
        "step:entity:account/frank.withdraw#1",
        "step:entity:account/gina.deposit#1",
        "step:entity:account/fees.deposit:signal#1",
      ],
    );
    await waitFor(async () => (await state("fees")).state?.balance === 1, "the signalled fee");
    const [withdrawal] = (
      await json<{ operations: OperationView[] }>(nimbus.admin(`${keyPath("frank")}/history`))
    ).operations;
    assert.equal(
      withdrawal?.operationId,
      "transfer-1:step:entity:account/frank.withdraw#1",
      "the step's key",
    );
  });

  it("refuses bad input with stable codes and changes nothing", async () => {
    assert.deepEqual(await errorOf(await call("alice", "steal", 1)), [404, "ENTITY_OPERATION_NOT_FOUND"]);
    assert.deepEqual(await errorOf(await post(`${keyPath("alice", "nosuch")}/call/deposit`, {})), [
      404,
      "ENTITY_NOT_FOUND",
    ]);
    assert.deepEqual(
      await errorOf(await post(`${keyPath("alice", "caller")}/call/deposit`, {})),
      [404, "ENTITY_NOT_FOUND"],
      "an ordinary function is not an entity",
    );
    assert.deepEqual(await errorOf(await call("a%20b", "deposit", 1)), [400, "ENTITY_KEY_INVALID"]);
    assert.deepEqual(await errorOf(await call("a*", "deposit", 1)), [400, "ENTITY_KEY_INVALID"]);
    assert.deepEqual(await errorOf(await nimbus.admin(keyPath("a%2Fb"))), [400, "ENTITY_KEY_INVALID"]);
    assert.deepEqual(await errorOf(await post(`${keyPath("alice")}/read/deposit`, { input: 1 })), [
      400,
      "ENTITY_OPERATION_NOT_READ",
    ]);
    assert.deepEqual(await errorOf(await post(`${keyPath("alice")}/signal/balance`, {})), [
      400,
      "BAD_REQUEST",
    ]);
    assert.deepEqual(
      await errorOf(await post(`${keyPath("alice")}/call/deposit`, { input: 1, extra: true })),
      [400, "BAD_REQUEST"],
    );
    assert.deepEqual(await errorOf(await call("alice", "deposit", "x".repeat(300_000))), [
      413,
      "PAYLOAD_TOO_LARGE",
    ]);
    assert.deepEqual((await state("alice")).state, { balance: 50 });
    const direct = await post("/apps/ledger/functions/account/invoke", { hello: 1 });
    assert.match(await direct.text(), /ENTITY_DIRECT_CALL/);
  });

  it("works from the CLI: call, signal, read, get, ls, history", async () => {
    const env = { NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    const cli = (...args: string[]) => runCli([...args, "--url", nimbus.url, "--app", "ledger"], env);
    const called = await cli("entities", "call", "account", "hank", "deposit", "6", "--id", "cli-1");
    assert.equal(called.code, 0, called.stderr);
    assert.equal(called.stdout.trim(), "6");
    const signalled = await cli("entities", "signal", "account", "hank", "deposit", "1");
    assert.match(signalled.stdout, /Queued deposit on account\/hank/);
    await waitFor(async () => (await state("hank")).state?.balance === 7, "the CLI's signal");
    assert.equal((await cli("entities", "read", "account", "hank", "balance")).stdout.trim(), "7");
    const got = await cli("entities", "get", "account", "hank", "--json");
    assert.deepEqual(JSON.parse(got.stdout).state, { balance: 7 });
    assert.match((await cli("entities", "ls", "account")).stdout, /account {2}hank {2}version=2/);
    assert.match(
      (await cli("entities", "history", "account", "hank")).stdout,
      /deposit {2}call {2}done.*cli-1/,
    );
    const bad = await cli("entities", "call", "account", "hank", "nope");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /ENTITY_OPERATION_NOT_FOUND|has no operation "nope"/);
  });
});
