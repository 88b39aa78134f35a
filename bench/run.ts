// npm run bench: the foundation's benchmarks, every figure next to a baseline measured in
// the same run. Writes a section of docs/performance.md with the command and the machine.
//
//   warm      autocannon against a bare node:http hello world and Nimbus (both handler styles)
//   cold      first-call latency of a function with no instance: stem cell vs fresh process
//   idle RSS  `nimbus up` with nothing deployed; the server process, and with its stem cells,
//             after a deploy, before any load; with 1,000 functions deployed at zero instances
//   ready     time from `nimbus up` (a process start) to the admin health endpoint answering
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadResult, load as loadWith, median, percentile, pickMedian } from "./lib/load.ts";
import { descendants, pssMb, rssMb } from "./lib/memory.ts";
import { ADMIN_KEY, coldCall, shimProcesses } from "./lib/nimbus.ts";
import { killAll, ROOT, type Server, startProcess as start, stopProcess, until } from "./lib/processes.ts";
import { machine, machineLoad, writeSection } from "./lib/report.ts";

const APP = join(ROOT, "bench", "apps", "hello");
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 60);
const MANY_FUNCTIONS = Number(process.env.BENCH_MANY_FUNCTIONS ?? 1000);
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

/** `nimbus up` on an empty data directory: the platform alone, after it settled. */
async function idlePlatform(): Promise<{ rssMb: number; pssMb: number }> {
  const server = await startProcess(
    ["bin/nimbus.js", "up", "--port", "0", "--data-dir", mkdtempSync(join(scratch, "empty-"))],
    { NIMBUS_ADMIN_KEY: ADMIN_KEY, XDG_CONFIG_HOME: scratch },
  );
  try {
    await fetch(`${server.url}/_nimbus/health`);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a benchmark, not a test: let it settle
    const pid = server.child.pid as number;
    const pids = [pid, ...descendants(pid)];
    return {
      rssMb: pids.reduce((sum, each) => sum + rssMb(each), 0),
      pssMb: pids.reduce((sum, each) => sum + pssMb(each), 0),
    };
  } finally {
    await stopProcess(server);
  }
}

/**
 * An app of MANY_FUNCTIONS hello worlds (one route each, keepWarm: 1ms): deployed (every
 * function's first instance loads once, then is reaped), then the server's RSS at zero instances.
 */
async function manyFunctions(): Promise<{ deployS: number; serverMb: number; withStemCellsMb: number }> {
  const appDir = mkdtempSync(join(scratch, "many-"));
  copyFileSync(join(APP, "hello.ts"), join(appDir, "hello.ts"));
  const functions = Array.from(
    { length: MANY_FUNCTIONS },
    (_, i) =>
      `  f${i}:\n    handler: hello.default\n    keepWarm: 1ms\n    events:\n      - http: GET /f${i}`,
  );
  writeFileSync(join(appDir, "nimbus.yaml"), `app: many\nfunctions:\n${functions.join("\n")}\n`);
  const started = performance.now();
  const server = await start(
    ["bench/servers/nimbus-server.ts", appDir, mkdtempSync(join(scratch, "many-data-"))],
    { env: { NIMBUS_ADMIN_KEY: ADMIN_KEY }, timeoutMs: 900_000 },
  );
  const deployS = (performance.now() - started) / 1000;
  try {
    const pid = server.child.pid as number;
    const response = await fetch(`${server.url}/f${MANY_FUNCTIONS - 1}`);
    if (response.status !== 200) throw new Error(`the last function answered ${response.status}`);
    // Every function's instance reaped: only the 2 stem cells are left.
    await until(async () => shimProcesses(pid) <= 2, 120_000);
    // Let V8's memory reducer run (it shrinks the heap some seconds after activity stops).
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const serverMb = rssMb(pid);
    return {
      deployS,
      serverMb,
      withStemCellsMb: serverMb + descendants(pid).reduce((sum, each) => sum + rssMb(each), 0),
    };
  } finally {
    await stopProcess(server);
  }
}

function row(name: string, result: LoadResult, baseline: LoadResult): string {
  const ratio = (result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2);
  return `| ${name} | ${Math.round(result.requestsPerSecond)} | ${ratio}× | ${result.p50Ms} | ${result.p99Ms} | ${result.errors} |`;
}

async function main(): Promise<void> {
  console.error(`bench: ${ROUNDS} rounds of ${DURATION_S}s at ${CONNECTIONS} connections`);
  const loadAtStart = machineLoad();
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
  const empty = await idlePlatform();
  const many = await manyFunctions();

  const section = `## Foundation benchmark (\`npm run bench\`)

Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${machine()}; 1-minute load average
${loadAtStart} at the start and ${machineLoad()} at the end (other engineers' test runs shared the machine).
Command: \`node bench/run.ts\` (BENCH_ROUNDS=${ROUNDS}, ${DURATION_S}s per load at
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
| idle platform: \`nimbus up\`, nothing deployed, RSS (PSS) | ${empty.rssMb.toFixed(0)} MB (${empty.pssMb.toFixed(0)} MB) |
| idle RSS, server process (after deploying 4 functions) | ${idleServerRss.toFixed(0)} MB |
| idle RSS, server + warm instances + stem cells | ${idleTotalRss.toFixed(0)} MB |
| ${MANY_FUNCTIONS} functions deployed, at zero instances: server process RSS | ${many.serverMb.toFixed(0)} MB |
| the same, with its 2 stem cells | ${many.withStemCellsMb.toFixed(0)} MB |
| deploy of those ${MANY_FUNCTIONS} functions (bundle, store, load each once) | ${many.deployS.toFixed(1)} s |
| \`nimbus up\` to ready (process start → health answers), median of ${ready.length} | ${median(ready).toFixed(0)} ms |`;
  console.log(writeSection("foundation", section));
}

try {
  await main();
} finally {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
}
