// `nimbus queues …` against a real `nimbus up`, and the durability promise: a message whose
// send was acknowledged is still there after the server is killed with kill -9 and restarted.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-queues-cli-"));
const servers: ServerProcess[] = [];
after(async () => {
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const env = { NIMBUS_ADMIN_KEY: "nk_test_queues_0123456789abcdef", XDG_CONFIG_HOME: root };

async function up(dataDir: string): Promise<ServerProcess> {
  const server = await startServer(["up", "--port", "0", "--data-dir", dataDir], env);
  servers.push(server);
  return server;
}

describe("nimbus queues", () => {
  it("lists, sends, receives, purges and redrives from the command line", async () => {
    const server = await up(join(root, "cli"));
    const cli = (...args: string[]) => runCli([...args, "--url", server.url], env);
    assert.equal((await cli("deploy", join(FIXTURES, "queues"))).code, 0);

    const listed = await cli("queues", "ls");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^jobs {2}standard {2}visible=0 inFlight=0 delayed=0 oldest=- {2}dlq=jobs-dlq after 2$/m,
    );
    assert.match(listed.stdout, /^orders {2}fifo/m);

    const sent = await cli("queues", "send", "jobs", '{"task":"resize"}', "--attribute", "kind=image");
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /^Sent [0-9a-f-]{36} to jobs$/m);

    const received = await cli("queues", "receive", "jobs", "--json", "--visibility-ms", "0");
    const [message] = JSON.parse(received.stdout) as { body: string; attributes: Record<string, string> }[];
    assert.deepEqual([message?.body, message?.attributes], ['{"task":"resize"}', { kind: "image" }]);

    // Received twice (visibility 0 returns it at once) and then moved to the dead-letter queue.
    await cli("queues", "receive", "jobs", "--visibility-ms", "0");
    const moved = await cli("queues", "receive", "jobs", "--json");
    assert.deepEqual(JSON.parse(moved.stdout), []);
    const redriven = await cli("queues", "redrive", "jobs-dlq");
    assert.equal(redriven.code, 0, redriven.stderr);
    assert.match(redriven.stdout, /Moved 1 message\(s\) from jobs-dlq to jobs\./);

    const acknowledged = await cli("queues", "receive", "jobs", "--delete", "--max", "10");
    assert.match(acknowledged.stdout, /receives=1 {2}\{"task":"resize"\}/);
    assert.match((await cli("queues", "receive", "jobs")).stdout, /No message in jobs\./);

    await cli("queues", "send", "orders", "o1", "--group", "g");
    assert.match((await cli("queues", "purge", "orders")).stdout, /Purged 1 message\(s\) from orders\./);

    const unknown = await cli("queues", "send", "nope", "x");
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /QUEUE_NOT_FOUND/);
    // Through a file: one command-line argument may not be that long.
    const bigFile = join(root, "big.txt");
    writeFileSync(bigFile, "x".repeat(256 * 1024 + 1));
    const tooBig = await cli("queues", "send", "jobs", "--file", bigFile);
    assert.notEqual(tooBig.code, 0);
    assert.match(tooBig.stderr, /MESSAGE_TOO_LARGE/);
  });

  it("keeps every acknowledged message across a kill -9 of the server", async () => {
    const dataDir = join(root, "durable");
    const first = await up(dataDir);
    assert.equal((await runCli(["deploy", join(FIXTURES, "queues"), "--url", first.url], env)).code, 0);
    const headers = { authorization: `Bearer ${env.NIMBUS_ADMIN_KEY}`, "content-type": "application/json" };
    const count = 50;
    const ids: string[] = [];
    for (let index = 0; index < count; index += 10) {
      const entries = Array.from({ length: 10 }, (_, offset) => ({ body: `m${index + offset}` }));
      const response = await fetch(`${first.url}/_nimbus/apps/mailroom/queues/jobs/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify({ entries }),
      });
      assert.equal(response.status, 201);
      ids.push(
        ...((await response.json()) as { messages: { messageId: string }[] }).messages.map(
          (m) => m.messageId,
        ),
      );
    }
    await first.kill();

    const second = await up(dataDir);
    const bodies: string[] = [];
    const seenIds: string[] = [];
    for (;;) {
      const response = await fetch(`${second.url}/_nimbus/apps/mailroom/queues/jobs/receive`, {
        method: "POST",
        headers,
        body: JSON.stringify({ maxMessages: 10 }),
      });
      const { messages } = (await response.json()) as { messages: { body: string; messageId: string }[] };
      if (messages.length === 0) break;
      bodies.push(...messages.map((m) => m.body));
      seenIds.push(...messages.map((m) => m.messageId));
    }
    assert.deepEqual(
      bodies,
      Array.from({ length: count }, (_, index) => `m${index}`),
    );
    assert.deepEqual(seenIds, ids);
  });
});
