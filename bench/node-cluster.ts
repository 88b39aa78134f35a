// Nimbus nodes as separate `nimbus up` processes on one PostgreSQL database and one shared
// bundle directory, for bench/store.ts: warm invoke throughput with 1 vs 2 nodes, and how
// long a deploy on one node takes to be served by the other.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { packageToRequest } from "../src/control/app-package.ts";
import { packageApp } from "../src/control/package-app.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ADMIN_KEY = "nk_bench_0123456789abcdef";
const MASTER_KEY = "6e696d6275732d62656e63682d6d61737465722d6b65792d3332627974657321";

export interface Node {
  readonly child: ChildProcess;
  readonly url: string;
}

export interface Cluster {
  readonly nodes: Node[];
  startNode(): Promise<Node>;
  /** Deploys `appDir` through `node`, with `release` in the manifest's env; resolves on the ack. */
  deploy(node: Node, appDir: string, release: string): Promise<void>;
  stop(): Promise<void>;
}

export function createCluster(storeUrl: string, scratch: string): Cluster {
  const bundleDir = join(scratch, "shared-bundles");
  const nodes: Node[] = [];
  const cluster: Cluster = {
    nodes,
    async startNode() {
      const dataDir = mkdtempSync(join(scratch, "node-"));
      const child = spawn(
        process.execPath,
        [
          "bin/nimbus.js",
          "up",
          "--port",
          "0",
          "--data-dir",
          dataDir,
          "--bundle-dir",
          bundleDir,
          "--store",
          storeUrl,
        ],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            XDG_CONFIG_HOME: scratch,
            NIMBUS_ADMIN_KEY: ADMIN_KEY,
            NIMBUS_MASTER_KEY: MASTER_KEY,
          },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => {
          output += chunk;
          const match = /ready on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1] as string);
        });
        child.once("exit", (code) => reject(new Error(`nimbus up exited with ${code}: ${output}`)));
      });
      const node = { child, url };
      nodes.push(node);
      return node;
    },
    async deploy(node, appDir, release) {
      const pkg = await packageApp(appDir);
      // A new env value for the first function: a real change, so the other node starts a new pool.
      const manifestText = pkg.manifestText.replace(
        "keepWarm: 10m",
        `keepWarm: 10m\n    env: { RELEASE: "${release}" }`,
      );
      const body = packageToRequest({ ...pkg, manifestText });
      const response = await fetch(`${node.url}/_nimbus/deployments`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.status !== 201)
        throw new Error(`deploy answered ${response.status}: ${await response.text()}`);
    },
    async stop() {
      await Promise.all(
        nodes.map(async (node) => {
          if (node.child.exitCode !== null) return;
          const exited = new Promise((resolve) => node.child.once("exit", resolve));
          node.child.kill("SIGTERM");
          await exited;
        }),
      );
    },
  };
  return cluster;
}

async function activeVersion(node: Node, app: string): Promise<number | undefined> {
  const response = await fetch(`${node.url}/_nimbus/apps/${app}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  if (response.status !== 200) return undefined;
  return ((await response.json()) as { activeVersion: number }).activeVersion;
}

/** Milliseconds from a deploy's acknowledgement on `from` until `to` serves that version. */
export async function propagationMs(cluster: Cluster, from: Node, to: Node, appDir: string, app: string) {
  const before = (await activeVersion(to, app)) ?? 0;
  await cluster.deploy(from, appDir, `p${Date.now()}`);
  const acknowledged = performance.now();
  const deadline = acknowledged + 30_000;
  while (((await activeVersion(to, app)) ?? 0) <= before) {
    if (performance.now() > deadline) throw new Error("the deploy never reached the other node");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - acknowledged;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/**
 * Warm load spread over `urls`: the connections are dealt round-robin to the nodes (one
 * autocannon per node, all at once, in this process), as a connection-level load balancer would.
 */
export async function roundRobinLoad(
  urls: string[],
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const results = await Promise.all(
    urls.map((url, index) =>
      autocannon({
        url,
        connections: Math.floor(connections / urls.length) + (index < connections % urls.length ? 1 : 0),
        duration: durationS,
      }),
    ),
  );
  const total = results.reduce((sum, result) => sum + result.requests.total, 0);
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requests.average, 0),
    // Weighted by requests, the closest to the latency of the combined stream.
    p50Ms:
      results.reduce((sum, result) => sum + result.latency.p50 * result.requests.total, 0) /
      Math.max(1, total),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    errors: results.reduce((sum, result) => sum + result.errors + result.non2xx, 0),
  };
}
