// The durability promise of tables against a real `nimbus up`: every write that was
// acknowledged (puts, updates, a transaction) is there after a kill -9 and a restart.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-tables-durable-"));
const servers: ServerProcess[] = [];
after(async () => {
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const env = { NIMBUS_ADMIN_KEY: "nk_test_tables_0123456789abcdef", XDG_CONFIG_HOME: root };
const headers = { authorization: `Bearer ${env.NIMBUS_ADMIN_KEY}`, "content-type": "application/json" };

async function up(dataDir: string): Promise<ServerProcess> {
  const server = await startServer(["up", "--port", "0", "--data-dir", dataDir], env);
  servers.push(server);
  return server;
}

async function request(url: string, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}/_nimbus/apps/notes/${path}`, { method, headers, body: JSON.stringify(body) });
}

describe("table durability", () => {
  it("keeps every acknowledged write across a kill -9 of the server", async () => {
    const dataDir = join(root, "data");
    const first = await up(dataDir);
    assert.equal((await runCli(["deploy", join(FIXTURES, "tables"), "--url", first.url], env)).code, 0);
    for (let index = 0; index < 20; index++) {
      const put = await request(first.url, "PUT", "tables/notes/items", {
        item: { userId: "d", noteId: `n${index}`, index },
      });
      assert.equal(put.status, 200);
    }
    const counter = { key: { id: "counter" }, update: "ADD hits :one", values: { ":one": 1 } };
    for (let index = 0; index < 5; index++)
      assert.equal((await request(first.url, "POST", "tables/accounts/items/update", counter)).status, 200);
    const transaction = await request(first.url, "POST", "tables-transact", {
      entries: [
        { put: { table: "accounts", item: { id: "t", done: true } } },
        { delete: { table: "notes", key: { userId: "d", noteId: "n0" } } },
      ],
    });
    assert.equal(transaction.status, 204);
    await first.kill();

    const second = await up(dataDir);
    const page = await request(second.url, "POST", "tables/notes/query", {
      keyCondition: "userId = :u",
      values: { ":u": "d" },
      limit: 100,
    });
    const { items } = (await page.json()) as { items: { index: number }[] };
    assert.deepEqual(
      items.map((item) => item.index).sort((a, b) => a - b),
      Array.from({ length: 19 }, (_, at) => at + 1),
    );
    const counted = await request(second.url, "POST", "tables/accounts/items/get", {
      key: { id: "counter" },
    });
    assert.deepEqual(await counted.json(), { item: { id: "counter", hits: 5 } });
    const done = await request(second.url, "POST", "tables/accounts/items/get", { key: { id: "t" } });
    assert.deepEqual(await done.json(), { item: { id: "t", done: true } });
  });
});
