// A 3-node cluster on loopback: three `nimbus up` processes on one PostgreSQL database and
// one shared bundle directory, each with its own data directory. Requests spread across the
// nodes; a deploy or rollback on one is served by all; kill -9 of the lease holder under
// load (the others keep serving, its lease is taken over, no acknowledged deploy is lost);
// a graceful drain (a call in flight completes, the lease is handed back).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AppPackage, packageToRequest } from "../src/control/app-package.ts";
import { packageApp } from "../src/control/package-app.ts";
import { createTestDatabase, type TestDatabase } from "../src/store/postgres/test-database.ts";
import { type ServerProcess, startServer } from "./cli-helpers.ts";
import { isAlive, REPO, waitFor } from "./helpers.ts";

const RELAY = join(REPO, "test", "fixtures", "relay");
const ADMIN_KEY = "nk_test_cluster_0123456789abcdef";
/** Every node of a cluster shares the key that encrypts secrets at rest. */
const MASTER_KEY = "6e696d6275732d636c75737465722d746573742d6d61737465722d6b65792121";
const LEASE_TTL_MS = 2_000;
const LOG_RETENTION_LEASE = "nimbus.log-retention";

interface Node {
  readonly id: string;
  readonly server: ServerProcess;
  readonly url: string;
}

interface Release {
  readonly release: string;
  readonly pid: number;
}

const scratch = mkdtempSync(join(tmpdir(), "nimbus-cluster-"));
const sharedBundles = join(scratch, "bundles");
let database: TestDatabase;
let relay: AppPackage;
const nodes: Node[] = [];

async function startNode(id: string): Promise<Node> {
  const dataDir = mkdtempSync(join(scratch, `${id}-`));
  const server = await startServer(
    [
      "up",
      ...["--port", "0", "--data-dir", dataDir, "--bundle-dir", sharedBundles],
      ...["--store", database.url, "--node-id", id, "--lease-ttl-ms", String(LEASE_TTL_MS)],
    ],
    { NIMBUS_ADMIN_KEY: ADMIN_KEY, NIMBUS_MASTER_KEY: MASTER_KEY, XDG_CONFIG_HOME: scratch },
  );
  return { id, server, url: server.url };
}

function admin(node: Node, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${ADMIN_KEY}`);
  return fetch(`${node.url}/_nimbus${path}`, { ...init, headers });
}

/** Deploys the relay app with RELEASE set to `release`; resolves to the acknowledged version. */
async function deploy(node: Node, release: string): Promise<number> {
  const body = packageToRequest({
    ...relay,
    manifestText: relay.manifestText.replace("RELEASE: one", `RELEASE: ${release}`),
  });
  const response = await admin(node, "/deployments", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { deployment: { version: number } }).deployment.version;
}

async function releaseOf(node: Node): Promise<Release | undefined> {
  const response = await fetch(`${node.url}/relay/release`).catch(() => undefined);
  return response?.status === 200 ? ((await response.json()) as Release) : undefined;
}

async function leaseHolder(): Promise<{ holder: string; token: number } | undefined> {
  const rows = await database.query<{ holder: string; token: number; expires_at: string }>(
    "SELECT holder, token::int AS token, expires_at FROM leases WHERE name = $1",
    [LOG_RETENTION_LEASE],
  );
  const row = rows[0];
  // Released (expires_at 0) or expired leases have no holder.
  return row && Number(row.expires_at) > Date.now() ? { holder: row.holder, token: row.token } : undefined;
}

/**
 * A round-robin client: each call goes to the next node; on a connection error or a 503 it
 * retries on the following nodes, as a load balancer would.
 */
function roundRobinLoad(targets: () => readonly Node[]) {
  let stopped = false;
  let turn = 0;
  const served = new Map<string, number>();
  const refused = new Map<string, number>();
  const failures: string[] = [];
  const client = async () => {
    while (!stopped) {
      const current = targets();
      const start = turn++;
      let answered = false;
      for (let attempt = 0; attempt < current.length && !answered; attempt++) {
        const node = current[(start + attempt) % current.length] as Node;
        const response = await fetch(`${node.url}/relay/release`).catch(() => undefined);
        if (response?.status === 200) {
          await response.arrayBuffer();
          served.set(node.id, (served.get(node.id) ?? 0) + 1);
          answered = true;
        } else {
          await response?.arrayBuffer();
          refused.set(node.id, (refused.get(node.id) ?? 0) + 1);
        }
      }
      if (!answered) failures.push(`call ${start} found no node answering`);
    }
  };
  const clients = Array.from({ length: 4 }, client);
  return {
    served,
    refused,
    failures,
    total: () => [...served.values()].reduce((sum, count) => sum + count, 0),
    async stop() {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

describe("a 3-node cluster on one PostgreSQL", () => {
  before(async () => {
    database = await createTestDatabase();
    relay = await packageApp(RELAY);
    const started = await Promise.allSettled(["node-1", "node-2", "node-3"].map(startNode));
    for (const result of started) if (result.status === "fulfilled") nodes.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
  });

  after(async () => {
    for (const node of nodes) {
      if (node.server.child.exitCode === null && node.server.child.signalCode === null) {
        node.server.child.kill("SIGKILL");
      }
      await node.server.stop();
    }
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("serves a deploy made on one node from every node, each running its own instances", async () => {
    const [first] = nodes as [Node];
    assert.equal(await deploy(first, "one"), 1);
    const answers = await Promise.all(
      nodes.map((node) =>
        waitFor(
          async () => (await releaseOf(node))?.release === "one" && releaseOf(node),
          `${node.id} to serve v1`,
        ),
      ),
    );
    const pids = answers.map((answer) => (answer as Release).pid);
    assert.equal(new Set(pids).size, 3, `three nodes, three instances: ${pids.join(", ")}`);

    const load = roundRobinLoad(() => nodes);
    await waitFor(() => load.total() >= 60, "60 calls through the round-robin client");
    await load.stop();
    assert.deepEqual(load.failures, []);
    for (const node of nodes) assert.ok((load.served.get(node.id) ?? 0) > 0, `${node.id} served calls`);
  });

  it("makes a deploy on one node, and a rollback on another, live on all", async (t) => {
    const [first, second, third] = nodes as [Node, Node, Node];
    const deployedAt = Date.now();
    assert.equal(await deploy(first, "two"), 2);
    await Promise.all(
      [second, third].map((node) =>
        waitFor(async () => (await releaseOf(node))?.release === "two", `${node.id} to serve v2`, 5_000),
      ),
    );
    t.diagnostic(`v2 served by node-2 and node-3 ${Date.now() - deployedAt} ms after node-1 acknowledged it`);

    const rollback = await admin(second, "/apps/relay/rollback", { method: "POST" });
    assert.equal(rollback.status, 200);
    assert.equal(((await rollback.json()) as { deployment: { version: number } }).deployment.version, 3);
    await Promise.all(
      [first, third].map((node) =>
        waitFor(
          async () => (await releaseOf(node))?.release === "one",
          `${node.id} to serve v3 (= v1)`,
          5_000,
        ),
      ),
    );
  });

  it("keeps serving through kill -9 of the lease holder: lease taken over, no acknowledged deploy lost", async (t) => {
    const holding = await waitFor(leaseHolder, "a node to hold the log retention lease");
    const victim = nodes.find((node) => node.id === holding.holder) as Node;
    const survivors = nodes.filter((node) => node !== victim);
    const victimInstance = (await releaseOf(victim))?.pid as number;
    let alive = nodes;
    const load = roundRobinLoad(() => alive);

    // Deploys through the node about to die; every one it acknowledges must survive it.
    const acknowledged: number[] = [];
    for (const release of ["k1", "k2", "k3"]) acknowledged.push(await deploy(victim, release));
    await waitFor(() => load.total() >= 30, "calls under load before the kill");
    victim.server.child.kill("SIGKILL");
    const killedAt = Date.now();
    const servedBefore = load.total();
    await waitFor(() => load.total() >= servedBefore + 60, "calls served after the kill");

    // Within the lease timeout (plus one retry interval of ttl/3), a survivor holds the lease.
    const taken = await waitFor(
      async () => {
        const now = await leaseHolder();
        return now && now.holder !== victim.id && now;
      },
      "a survivor to take the lease over",
      LEASE_TTL_MS * 2 + 3_000,
    );
    assert.ok(taken.token > holding.token, "the takeover is a new grant with a greater token");
    t.diagnostic(`lease taken over ${Date.now() - killedAt} ms after kill -9 (ttl ${LEASE_TTL_MS} ms)`);
    alive = survivors;
    await load.stop();
    assert.deepEqual(load.failures, [], "every call was answered by some node");
    assert.ok((load.refused.get(victim.id) ?? 0) > 0, "calls to the dead node failed (and were retried)");
    for (const node of survivors) assert.ok((load.served.get(node.id) ?? 0) > 0, `${node.id} kept serving`);

    const listed = await admin(survivors[0] as Node, "/apps/relay/deployments?limit=100");
    const { deployments } = (await listed.json()) as {
      deployments: { version: number; config: { functions: { relay: { env: Record<string, string> } } } }[];
    };
    const versions = deployments.map((deployment) => deployment.version).sort((a, b) => a - b);
    assert.deepEqual(versions, [1, 2, 3, 4, 5, 6], "versions 1..6 with no gap or duplicate");
    for (const [index, version] of acknowledged.entries()) {
      const stored = deployments.find((deployment) => deployment.version === version);
      assert.equal(
        stored?.config.functions.relay.env.RELEASE,
        `k${index + 1}`,
        `acknowledged v${version} kept`,
      );
    }
    for (const node of survivors) {
      await waitFor(
        async () => (await releaseOf(node))?.release === "k3",
        `${node.id} to serve the last deploy`,
      );
    }
    await waitFor(() => !isAlive(victimInstance), "the dead node's instance to exit");
  });

  it("drains a node on SIGTERM: its call in flight completes and its lease is handed back", async () => {
    const holding = await waitFor(leaseHolder, "a node to hold the lease");
    const draining = nodes.find((node) => node.id === holding.holder) as Node;
    const running = (node: Node) =>
      node.server.child.exitCode === null && node.server.child.signalCode === null;
    const remaining = nodes.find((node) => node !== draining && running(node)) as Node;
    assert.ok(remaining, "another live node");

    const slow = fetch(`${draining.url}/relay/slow?ms=1500`);
    await waitFor(async () => {
      const response = await admin(draining, "/apps/relay");
      const app = (await response.json()) as { functions: { instances: { busy: number } }[] };
      return app.functions[0]?.instances.busy === 1;
    }, "the slow call to be in flight");
    const exited = new Promise<number | null>((resolve) => draining.server.child.once("exit", resolve));
    draining.server.child.kill("SIGTERM");
    await waitFor(
      async () => (await fetch(`${draining.url}/healthz`).catch(() => undefined)) === undefined,
      "the draining node to refuse new connections",
    );
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as Release).release, "k3");
    assert.equal(await exited, 0, "a clean exit");

    // Released, not expired: another node takes it at its next attempt, without waiting for the ttl.
    const rows = await database.query<{ expires_at: string }>(
      "SELECT expires_at FROM leases WHERE name = $1",
      [LOG_RETENTION_LEASE],
    );
    const releasedOrTaken =
      Number(rows[0]?.expires_at) === 0 || (await leaseHolder())?.holder !== draining.id;
    assert.ok(releasedOrTaken, "the lease was handed back");
    await waitFor(
      async () => (await leaseHolder())?.holder === remaining.id,
      `${remaining.id} to take the lease`,
    );
    assert.equal((await releaseOf(remaining))?.release, "k3", "the last node still serves");
  });
});
