// npm run bench: the foundation's benchmarks, every figure next to a baseline measured in
// the same run. Writes a section of docs/performance.md with the command and the machine.
//
//   warm      autocannon against a bare node:http hello world and Nimbus (both handler styles)
//   cold      first-call latency of a function with no instance: stem cell vs fresh process
//   idle RSS  the server process, and with its stem cells, after a deploy, before any load
//   ready     time from `nimbus up` (a process start) to the admin health endpoint answering
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadResult, load as loadWith, median, percentile, pickMedian } from "./lib/load.ts";
import { descendants, rssMb } from "./lib/memory.ts";
import { ADMIN_KEY, coldCall } from "./lib/nimbus.ts";
import { killAll, ROOT, type Server, startProcess as start, stopProcess } from "./lib/processes.ts";
import { machine, writeSection } from "./lib/report.ts";

const APP = join(ROOT, "bench", "apps", "hello");
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 60);
const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-"));

function startProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  return start(args, { env });
}

function load(url: string, durationS = DURATION_S): Promise<LoadResult> {
  return loadWith(url, { durationS, connections: CONNECTIONS });
}

/** Latency of calls that each find no instance (keepWarm: 1ms), after the stem cells refilled. */
async function coldStarts(stemCells: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const server = await startProcess(
    ["bench/servers/nimbus-server.ts", APP, mkdtempSync(join(scratch, "cold-")), String(stemCells)],
    { NIMBUS_ADMIN_KEY: ADMIN_KEY },
  );
  const samples: number[] = [];
  try {
    const probe = {
      url: server.url,
      app: "bench",
      fn: "cold",
      path: "/cold",
      serverPid: server.child.pid as number,
      // stem cells + the warm fetch, lambda and shared instances
      idleProcesses: stemCells > 0 ? stemCells + 3 : 0,
    };
    for (let i = 0; i < COLD_SAMPLES; i++) samples.push(await coldCall(probe));
  } finally {
    await stopProcess(server);
  }
  return { p50Ms: median(samples), p99Ms: percentile(samples, 99) };
}

async function readyTimes(): Promise<number[]> {
  const dataDir = mkdtempSync(join(scratch, "ready-"));
  const seed = await startProcess(["bench/servers/nimbus-server.ts", APP, dataDir], {
    NIMBUS_ADMIN_KEY: ADMIN_KEY,
  });
  await stopProcess(seed);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const server = await startProcess(["bin/nimbus.js", "up", "--port", "0", "--data-dir", dataDir], {
      NIMBUS_ADMIN_KEY: ADMIN_KEY,
      XDG_CONFIG_HOME: scratch,
    }).catch(async () => {
      throw new Error("nimbus up did not start");
    });
    const health = await fetch(`${server.url}/_nimbus/health`);
    if (health.status === 200) times.push(performance.now() - started);
    await stopProcess(server);
  }
  return times;
}

function row(name: string, result: LoadResult, baseline: LoadResult): string {
  const ratio = (result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2);
  return `| ${name} | ${Math.round(result.requestsPerSecond)} | ${ratio}× | ${result.p50Ms} | ${result.p99Ms} | ${result.errors} |`;
}

async function main(): Promise<void> {
  console.error(`bench: ${ROUNDS} rounds of ${DURATION_S}s at ${CONNECTIONS} connections`);
  const bareRuns: LoadResult[] = [];
  const fetchRuns: LoadResult[] = [];
  const lambdaRuns: LoadResult[] = [];
  const sharedRuns: LoadResult[] = [];
  let idleServerRss = 0;
  let idleTotalRss = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bare = await startProcess(["bench/servers/bare-http.ts"]);
    await load(bare.url, 2);
    bareRuns.push(await load(bare.url));
    await stopProcess(bare);

    const nimbus = await startProcess(
      ["bench/servers/nimbus-server.ts", APP, mkdtempSync(join(scratch, "warm-"))],
      { NIMBUS_ADMIN_KEY: ADMIN_KEY },
    );
    const pid = nimbus.child.pid as number;
    idleServerRss = rssMb(pid);
    idleTotalRss = idleServerRss + descendants(pid).reduce((sum, child) => sum + rssMb(child), 0);
    await load(`${nimbus.url}/fetch`, 2);
    fetchRuns.push(await load(`${nimbus.url}/fetch`));
    await load(`${nimbus.url}/lambda`, 2);
    lambdaRuns.push(await load(`${nimbus.url}/lambda`));
    await load(`${nimbus.url}/shared`, 2);
    sharedRuns.push(await load(`${nimbus.url}/shared`));
    await stopProcess(nimbus);
    console.error(
      `round ${round + 1}: bare ${bareRuns.at(-1)?.requestsPerSecond}, fetch ${fetchRuns.at(-1)?.requestsPerSecond}`,
    );
  }
  const pick = pickMedian;
  const bare = pick(bareRuns);
  const stemCold = await coldStarts(2);
  const freshCold = await coldStarts(0);
  const ready = await readyTimes();

  const section = `## Foundation benchmark (\`npm run bench\`)

Run on ${new Date().toISOString().slice(0, 10)}: ${machine()}. Command: \`npm run bench\` (BENCH_ROUNDS=${ROUNDS}, ${DURATION_S}s per load at
${CONNECTIONS} connections, autocannon in the benchmark process; medians of the rounds; the
server, autocannon and the function instances share the 2 cores).

### Warm hello world through the gateway

| server | req/s | vs bare node:http | p50 ms | p99 ms | errors |
|---|---|---|---|---|---|
${row("bare node:http (baseline)", bare, bare)}
${row("Nimbus, fetch-style handler", pick(fetchRuns), bare)}
${row("Nimbus, Lambda-style handler", pick(lambdaRuns), bare)}
${row("Nimbus, fetch-style, perInstance: 16 (one instance)", pick(sharedRuns), bare)}

### Cold start (first call with no instance, end to end over HTTP, ${COLD_SAMPLES} samples each)

| start | p50 ms | p99 ms |
|---|---|---|
| stem cell (specialise a pre-started process) | ${stemCold.p50Ms.toFixed(1)} | ${stemCold.p99Ms.toFixed(1)} |
| fresh process (spawn on demand) | ${freshCold.p50Ms.toFixed(1)} | ${freshCold.p99Ms.toFixed(1)} |

### Idle memory and start

| measure | value |
|---|---|
| idle RSS, server process (after deploying 3 functions) | ${idleServerRss.toFixed(0)} MB |
| idle RSS, server + warm instances + stem cells | ${idleTotalRss.toFixed(0)} MB |
| \`nimbus up\` to ready (process start → health answers), median of ${ready.length} | ${median(ready).toFixed(0)} ms |`;
  console.log(writeSection("foundation", section));
}

try {
  await main();
} finally {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
}
