// Entities across kill -9 of a real `nimbus up`: an acknowledged operation's state survives;
// an operation killed mid-run runs again (same operation id, from the state before it) and is
// applied once; a signal queued behind it survives and runs. Claims last --lease-ttl-ms (2 s).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { crashableServers, runCli } from "./cli-helpers.ts";
import { FIXTURES, waitFor } from "./helpers.ts";

describe("entities across a kill -9", () => {
  const servers = crashableServers("nimbus-entity-kill-");
  const { root, env, headers, up } = servers;
  const effects = join(root, "effects");
  after(() => servers.cleanUp());

  const request = (url: string, path: string, body?: unknown) =>
    fetch(`${url}/_nimbus/apps/ledger/entities/account/ivy${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const balance = async (url: string) =>
    ((await (await request(url, "")).json()) as { state?: { balance: number } }).state?.balance;

  const holds = (): string[] =>
    existsSync(join(effects, "holds")) ? readFileSync(join(effects, "holds"), "utf8").trim().split("\n") : [];

  it("keeps acknowledged state, re-runs an interrupted operation once, and runs a queued signal", async () => {
    mkdirSync(effects);
    let server = await up();
    assert.equal((await runCli(["deploy", join(FIXTURES, "entities"), "--url", server.url], env)).code, 0);

    // 1. An acknowledged deposit survives a kill -9.
    const deposited = await request(server.url, "/call/deposit", { input: 10 });
    assert.equal(deposited.status, 200, await deposited.clone().text());
    await server.kill();
    server = await up();
    assert.equal(await balance(server.url), 10);

    // 2. Killed while "hold" runs, with a signalled deposit queued behind it.
    const hold = await request(server.url, "/signal/hold", {
      input: { dir: effects, amount: 100 },
      operationId: "hold-1",
    });
    assert.equal(hold.status, 202);
    const queued = await request(server.url, "/signal/deposit", { input: 5, operationId: "after-hold" });
    assert.equal(queued.status, 202);
    await waitFor(() => holds().length === 1, "the hold to start", 20_000);
    await server.kill();
    server = await up();
    await waitFor(() => holds().length === 2, "the interrupted hold to run again", 30_000);
    assert.deepEqual(holds(), ["hold-1", "hold-1"], "same operation id on the re-run");
    assert.equal(await balance(server.url), 10, "nothing of the interrupted batch was committed");

    writeFileSync(join(effects, "gate"), "");
    await waitFor(async () => (await balance(server.url)) === 115, "the hold and the queued deposit", 20_000);
    const history = (await (await request(server.url, "/history")).json()) as {
      operations: { operationId: string; status: string; output: unknown }[];
    };
    assert.deepEqual(
      history.operations
        .map((operation) => [operation.operationId, operation.status, operation.output])
        .slice(0, 2),
      [
        ["after-hold", "done", 115],
        ["hold-1", "done", 110],
      ],
    );
    assert.equal(holds().length, 2, "applied once after the restart");
  });
});
