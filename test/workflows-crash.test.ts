// Workflows across kill -9 of a real `nimbus up`: a step killed after its side effect but
// before its journal commit runs again with the same idempotency key; a committed step never
// runs again; a timer that came due while the platform was down fires once, late, after the
// restart. Claims last --lease-ttl-ms (2 s here), so a restarted node resumes within that.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { crashableServers, runCli } from "./cli-helpers.ts";
import { FIXTURES, waitFor } from "./helpers.ts";

interface Described {
  status: string;
  output: unknown;
  history: {
    key: string;
    kind: string;
    state: string;
    attempts: number;
    wakeAt?: number;
    finishedAt?: number;
  }[];
}

describe("workflows across a kill -9", () => {
  const servers = crashableServers("nimbus-workflow-kill-");
  const { root, env, headers, up } = servers;
  const effects = join(root, "effects");
  after(() => servers.cleanUp());

  const lines = (name: string): string[] =>
    existsSync(join(effects, name)) ? readFileSync(join(effects, name), "utf8").trim().split("\n") : [];

  async function describeInstance(url: string, id: string): Promise<Described> {
    const response = await fetch(`${url}/_nimbus/workflows/${id}`, { headers });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as Described;
  }

  it("re-runs an uncommitted step with the same key, never a committed one, and fires a missed timer once", async () => {
    mkdirSync(effects);

    let server = await up();
    assert.equal((await runCli(["deploy", join(FIXTURES, "workflows"), "--url", server.url], env)).code, 0);
    const started = await fetch(`${server.url}/_nimbus/apps/flows/workflows/effects/instances`, {
      method: "POST",
      headers,
      body: JSON.stringify({ input: { dir: effects }, instanceId: "crash-1" }),
    });
    assert.equal(started.status, 201);

    // 1. Killed after the charge's side effect, before its result is committed.
    await waitFor(() => lines("charges").length === 1, "the first charge attempt", 20_000);
    await server.kill();
    server = await up();
    await waitFor(() => lines("charges").length === 2, "the charge to run again after the restart", 30_000);
    assert.deepEqual(
      lines("charges"),
      ["crash-1:step:charge#1", "crash-1:step:charge#1"],
      "same idempotency key",
    );

    // 2. Killed after the charge committed (the ship step is running): the charge never runs again.
    writeFileSync(join(effects, "charge-go"), "");
    await waitFor(() => lines("shipments").length === 1, "the ship step to start", 20_000);
    const committed = await describeInstance(server.url, "crash-1");
    assert.equal(committed.history.find((entry) => entry.key === "step:charge#1")?.state, "done");
    await server.kill();
    server = await up();
    await waitFor(() => lines("shipments").length === 2, "the ship step to run again", 30_000);
    assert.equal(lines("charges").length, 2, "the committed charge was not run again");

    // 3. Killed while the timer waits; it comes due while the platform is down.
    writeFileSync(join(effects, "ship-go"), "");
    const sleeping = await waitFor(
      async () => {
        const instance = await describeInstance(server.url, "crash-1");
        return instance.history.find((entry) => entry.kind === "sleep" && entry.state === "pending");
      },
      "the timer to be journaled",
      20_000,
    );
    const wakeAt = sleeping.wakeAt ?? 0;
    await server.kill();
    await waitFor(
      () => Date.now() > wakeAt + 500,
      "the timer to come due while the platform is down",
      10_000,
    );
    server = await up();
    const done = await waitFor(
      async () => {
        const instance = await describeInstance(server.url, "crash-1");
        return instance.status === "completed" ? instance : undefined;
      },
      "the instance to complete after the late timer",
      30_000,
    );
    assert.deepEqual(done.output, { charged: "charged", shipped: "shipped" });
    assert.deepEqual(lines("woke"), ["woke"], "the timer fired once");
    const timer = done.history.find((entry) => entry.kind === "sleep");
    assert.ok((timer?.finishedAt ?? 0) > wakeAt + 500, "it fired late, after the restart");
    assert.equal(lines("charges").length, 2);
    assert.equal(lines("shipments").length, 2);
  });
});
