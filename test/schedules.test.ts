// Schedules through the real server: rate schedules fire on time, fires missed while the
// platform was down are skipped or fired once as configured, and two nodes sharing one
// PostgreSQL database never fire one time twice.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { openSqliteStore } from "../src/store/sqlite/index.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

const APP_DIR = join(FIXTURES, "schedules");

interface Tick {
  id: string;
  time: string;
  from: string;
  detailType: string;
}

async function drainTicks(nimbus: TestPlatform, into: Tick[]): Promise<Tick[]> {
  for (;;) {
    const response = await nimbus.admin("/apps/clock/queues/ticks/receive", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ maxMessages: 10 }),
    });
    const { messages } = await json<{ messages: { body: string; receiptHandle: string }[] }>(response);
    if (messages.length === 0) return into;
    into.push(...messages.map((m) => JSON.parse(m.body) as Tick));
    await nimbus.admin("/apps/clock/queues/ticks/messages/delete", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ receiptHandles: messages.map((m) => m.receiptHandle) }),
    });
  }
}

describe("schedules", () => {
  const root = mkdtempSync(join(tmpdir(), "nimbus-schedules-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("fires rate schedules on time, fires a missed cron time once or skips it, as configured", async () => {
    const dataDir = join(root, "missed");
    // As if the platform had last run on 2024-01-01: two New Years (Paris) were missed since.
    const store = openSqliteStore(dataDir);
    const longAgo = Date.parse("2024-01-01T12:00:00Z");
    await store.schedules.ensureState("clock", "new-year-once", longAgo);
    await store.schedules.ensureState("clock", "new-year-skip", longAgo);
    await store.close();

    const nimbus = await startTestPlatform({ appDir: APP_DIR, options: { dataDir } });
    try {
      const ticks: Tick[] = [];
      await waitFor(
        async () => (await drainTicks(nimbus, ticks)).filter((t) => t.from === "every-second").length >= 3,
        "three fires of the rate schedule",
        30_000, // the first fire includes a cold start; other test runs share the cores
      );
      const rate = ticks.filter((t) => t.from === "every-second");
      assert.equal(new Set(rate.map((t) => t.id)).size, rate.length, "each time fires once");
      assert.equal(rate[0]?.detailType, "Scheduled Event");
      const times = rate.map((t) => Date.parse(t.time)).sort((a, b) => a - b);
      for (let index = 1; index < times.length; index++) {
        assert.equal(
          ((times[index] as number) - (times[0] as number)) % 1_000,
          0,
          "fires on the rate's grid",
        );
      }

      const year = new Date().getUTCFullYear();
      const latestNewYear = `${year - 1}-12-31T23:00:00.000Z`; // 1 January 00:00 in Paris
      const once = ticks.filter((t) => t.from === "new-year-once");
      assert.deepEqual(
        once.map((t) => t.time),
        [latestNewYear],
        "fireOnce: only the latest missed time",
      );
      const env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
      const listed = await runCli(["schedules", "ls", "--json"], env);
      assert.equal(listed.code, 0, listed.stderr);
      const schedules = JSON.parse(listed.stdout) as {
        name: string;
        lastFireAt?: number;
        nextFireAt?: number;
      }[];
      const skip = schedules.find((s) => s.name === "new-year-skip");
      assert.equal(skip?.lastFireAt, Date.parse(latestNewYear), "skip: the missed times are handled…");
      assert.equal(skip?.nextFireAt, Date.parse(`${year}-12-31T23:00:00.000Z`));
      await drainTicks(nimbus, ticks);
      assert.equal(ticks.filter((t) => t.from === "new-year-skip").length, 0, "…but not fired");
    } finally {
      await nimbus.stop();
    }
  });

  it("never fires one time twice with two nodes on one PostgreSQL database", async () => {
    const database = await createTestDatabase();
    const nodes: TestPlatform[] = [];
    try {
      const { url } = await database.freshSchema();
      // Nodes of one cluster share the store, so they share its admin key and master key too.
      const options = {
        storeUrl: url,
        adminKey: "nk_test_schedules_0123456789abcdef",
        masterKey: randomBytes(32).toString("hex"),
        bundleDir: join(root, "bundles"),
        resyncIntervalMs: 200,
      };
      nodes.push(await startTestPlatform({ appDir: APP_DIR, options: { ...options, nodeId: "node-a" } }));
      nodes.push(await startTestPlatform({ options: { ...options, nodeId: "node-b" } }));
      const [first, second] = nodes as [TestPlatform, TestPlatform];
      await waitFor(
        async () => (await second.admin("/apps/clock")).status === 200,
        "node b to serve the app",
      );
      const ticks: Tick[] = [];
      await waitFor(
        async () => {
          await drainTicks(first, ticks);
          await drainTicks(second, ticks);
          return ticks.filter((t) => t.from === "every-second").length >= 4;
        },
        "four fires",
        20_000,
      );
      // The lease holder stops: the other node takes the schedules over.
      const holderIndex = 0;
      await (nodes[holderIndex] as TestPlatform).stop();
      nodes.splice(holderIndex, 1);
      const before = ticks.length;
      await waitFor(
        async () => (await drainTicks(second, ticks)).length >= before + 2,
        "fires after the first node stopped",
        20_000,
      );
      const rate = ticks.filter((t) => t.from === "every-second");
      assert.equal(new Set(rate.map((t) => t.id)).size, rate.length, "no time fired twice");
    } finally {
      for (const node of nodes) await node.stop();
      await database.drop();
    }
  });
});
