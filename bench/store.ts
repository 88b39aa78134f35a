// npm run bench:store (also the second half of npm run bench): beyond one machine.
//
//   store ports  per-operation latency (one caller) and throughput (8 callers) of every store
//                port, on the embedded SQLite store and on PostgreSQL, in the same run
//   nodes        warm invoke throughput through 1 node vs 2 nodes on one PostgreSQL, the
//                connections dealt round-robin to the nodes
//   propagation  a deploy acknowledged by one node → served by the other
//
// Writes its section of docs/performance.md between <!-- bench:cluster:start/end -->.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Store } from "../src/store/ports.ts";
import { openPostgresStore } from "../src/store/postgres/index.ts";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { openSqliteStore } from "../src/store/sqlite/index.ts";
import {
  type Cluster,
  createCluster,
  type LoadResult,
  propagationMs,
  roundRobinLoad,
} from "./node-cluster.ts";
import { CONCURRENT_CALLERS, measureStore, type OperationResult, percentile } from "./store-ports.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const APP = join(ROOT, "bench", "apps", "hello");
const STORE_OPS = Number(process.env.BENCH_STORE_OPS ?? 500);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROPAGATION_SAMPLES = Number(process.env.BENCH_PROPAGATION_SAMPLES ?? 10);
const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-store-"));

const median = (values: readonly number[]) => percentile(values, 50);

async function storePorts(url: string): Promise<{ sqlite: OperationResult[]; postgres: OperationResult[] }> {
  const measure = async (store: Store) => {
    try {
      return await measureStore(store, STORE_OPS);
    } finally {
      await store.close();
    }
  };
  const sqlite = await measure(openSqliteStore(mkdtempSync(join(scratch, "sqlite-"))));
  console.error("bench: store ports on SQLite done");
  const postgres = await measure(await openPostgresStore(url));
  console.error("bench: store ports on PostgreSQL done");
  return { sqlite, postgres };
}

async function nodes(cluster: Cluster): Promise<{ one: LoadResult; two: LoadResult; propagation: number[] }> {
  const first = await cluster.startNode();
  await cluster.deploy(first, APP, "initial");
  const second = await cluster.startNode();
  const oneRuns: LoadResult[] = [];
  const twoRuns: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await roundRobinLoad([`${first.url}/fetch`, `${second.url}/fetch`], CONNECTIONS, 2); // warm both
    oneRuns.push(await roundRobinLoad([`${first.url}/fetch`], CONNECTIONS, DURATION_S));
    twoRuns.push(
      await roundRobinLoad([`${first.url}/fetch`, `${second.url}/fetch`], CONNECTIONS, DURATION_S),
    );
    console.error(
      `round ${round + 1}: 1 node ${oneRuns.at(-1)?.requestsPerSecond}, 2 nodes ${twoRuns.at(-1)?.requestsPerSecond}`,
    );
  }
  const propagation: number[] = [];
  for (let i = 0; i < PROPAGATION_SAMPLES; i++)
    propagation.push(await propagationMs(cluster, first, second, APP, "bench"));
  const pick = (runs: LoadResult[]): LoadResult => ({
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  });
  return { one: pick(oneRuns), two: pick(twoRuns), propagation };
}

function storeTable(sqlite: OperationResult[], postgres: OperationResult[]): string {
  const rows = sqlite.map((lite, index) => {
    const pg = postgres[index] as OperationResult;
    const cells = [lite.p50Ms, lite.p99Ms, lite.opsPerSecond, pg.p50Ms, pg.p99Ms, pg.opsPerSecond];
    const [a, b, c, d, e, f] = cells.map((value, i) => (i % 3 === 2 ? Math.round(value) : value.toFixed(2)));
    return `| ${lite.name} | ${a} | ${b} | ${c} | ${d} | ${e} | ${f} |`;
  });
  return [
    `| operation | SQLite p50 ms | SQLite p99 ms | SQLite ops/s (${CONCURRENT_CALLERS} callers) | PostgreSQL p50 ms | PostgreSQL p99 ms | PostgreSQL ops/s (${CONCURRENT_CALLERS} callers) |`,
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function loadRow(name: string, result: LoadResult, baseline: LoadResult): string {
  const ratio = (result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2);
  return `| ${name} | ${Math.round(result.requestsPerSecond)} | ${ratio}× | ${result.p50Ms.toFixed(1)} | ${result.p99Ms} | ${result.errors} |`;
}

async function main(): Promise<void> {
  // Other work on the machine skews every figure: say how busy it was when the run began.
  const loadAtStart = loadavg()[0]?.toFixed(1);
  const database = await createTestDatabase();
  const cluster = createCluster(database.url, scratch);
  try {
    const ports = await storePorts((await database.freshSchema()).url);
    const measured = await nodes(cluster);
    const cpu = cpus()[0]?.model ?? "unknown CPU";
    const section = `<!-- bench:cluster:start -->
## Beyond one machine (\`npm run bench:store\`)

Run on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB,
Node ${process.version}, PostgreSQL on the same machine (127.0.0.1). Command: \`npm run bench:store\`
(BENCH_STORE_OPS=${STORE_OPS}, BENCH_ROUNDS=${ROUNDS}, ${DURATION_S}s per load at ${CONNECTIONS} connections).
Load average when the run began: ${loadAtStart} (1 minute).

### Store ports, SQLite vs PostgreSQL

Latency: ${STORE_OPS} operations one after another (after 20 to warm up). Throughput: the same
number with ${CONCURRENT_CALLERS} callers at once, from one process (one store, one connection pool).

${storeTable(ports.sqlite, ports.postgres)}

### Warm invoke throughput: 1 node vs 2 nodes

\`nimbus up\` processes on one PostgreSQL database and one shared bundle directory; autocannon in
the benchmark process, its connections dealt round-robin to the nodes; medians of the rounds.

| nodes | req/s | vs 1 node | p50 ms | p99 ms | errors |
|---|---|---|---|---|---|
${loadRow("1 node", measured.one, measured.one)}
${loadRow("2 nodes, round-robin", measured.two, measured.one)}

### Deploy propagation

A deploy acknowledged by one node until the other serves it (its active version, over the admin
API), ${measured.propagation.length} samples: p50 ${median(measured.propagation).toFixed(0)} ms, max ${Math.max(...measured.propagation).toFixed(0)} ms.
<!-- bench:cluster:end -->`;
    console.log(section);
    const docPath = join(ROOT, "docs", "performance.md");
    const doc = readFileSync(docPath, "utf8");
    const pattern = /<!-- bench:cluster:start -->[\s\S]*<!-- bench:cluster:end -->/;
    writeFileSync(
      docPath,
      pattern.test(doc) ? doc.replace(pattern, section) : `${doc.trimEnd()}\n\n${section}\n`,
    );
  } finally {
    await cluster.stop();
    await database.drop();
  }
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
