// npm run bench:runtimes (part of npm run bench): the Python custom runtime beside the Node
// runtime in the same run — warm invoke throughput through the gateway, and cold starts.
// Both are the same hello world Lambda handler; Python runs the examples/runtime-python
// bootstrap (plain Python 3 against the per-instance Runtime API). Writes its own section of
// docs/performance.md.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadResult, load as loadWith, median, percentile, pickMedian } from "./lib/load.ts";
import { descendants } from "./lib/memory.ts";
import { ADMIN_KEY, runningInstances } from "./lib/nimbus.ts";
import { killAll, ROOT, type Server, startProcess, stopProcess, until } from "./lib/processes.ts";
import { machine, machineLoad, ratio, writeSection } from "./lib/report.ts";

const APP = join(ROOT, "bench", "apps", "runtimes");
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 30);
/** With both warm functions started: their two instances and the two stem cells of 128 MB. */
const IDLE_PROCESSES = 4;
const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-runtimes-"));

function load(url: string, durationS = DURATION_S): Promise<LoadResult> {
  return loadWith(url, { durationS, connections: CONNECTIONS });
}

function startNimbus(): Promise<Server> {
  return startProcess(["bench/servers/nimbus-server.ts", APP, mkdtempSync(join(scratch, "data-"))], {
    env: { NIMBUS_ADMIN_KEY: ADMIN_KEY },
  });
}

/** One call that finds no instance (after the last one expired and the stem cells refilled). */
async function coldCall(server: Server, fn: string): Promise<number> {
  await until(async () => (await runningInstances(server.url, "runtimes", fn)) === 0);
  await until(async () => descendants(server.child.pid as number).length >= IDLE_PROCESSES);
  const started = performance.now();
  const response = await fetch(`${server.url}/${fn}`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${fn} answered ${response.status}`);
  return performance.now() - started;
}

function loadRow(name: string, result: LoadResult, baseline: LoadResult): string {
  return `| ${name} | ${Math.round(result.requestsPerSecond)} | ${ratio(result.requestsPerSecond, baseline.requestsPerSecond)} | ${result.p50Ms} | ${result.p99Ms} | ${result.errors} |`;
}

function coldRow(name: string, samples: number[]): string {
  return `| ${name} | ${median(samples).toFixed(1)} | ${percentile(samples, 99).toFixed(1)} |`;
}

async function main(): Promise<void> {
  console.error(`bench:runtimes: ${ROUNDS} rounds of ${DURATION_S}s at ${CONNECTIONS} connections`);
  const nodeRuns: LoadResult[] = [];
  const pythonRuns: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const nimbus = await startNimbus();
    try {
      await load(`${nimbus.url}/node`, 2);
      nodeRuns.push(await load(`${nimbus.url}/node`));
      await load(`${nimbus.url}/python`, 2);
      pythonRuns.push(await load(`${nimbus.url}/python`));
    } finally {
      await stopProcess(nimbus);
    }
    console.error(
      `round ${round + 1}: node ${nodeRuns.at(-1)?.requestsPerSecond}, python ${pythonRuns.at(-1)?.requestsPerSecond}`,
    );
  }
  const nimbus = await startNimbus();
  const nodeCold: number[] = [];
  const pythonCold: number[] = [];
  try {
    await fetch(`${nimbus.url}/node`);
    await fetch(`${nimbus.url}/python`);
    for (let sample = 0; sample < COLD_SAMPLES; sample++) {
      nodeCold.push(await coldCall(nimbus, "node-cold"));
      pythonCold.push(await coldCall(nimbus, "python-cold"));
    }
  } finally {
    await stopProcess(nimbus);
  }
  const node = pickMedian(nodeRuns);
  const python = pickMedian(pythonRuns);
  const section = `## Runtimes: Node vs a Python custom runtime (\`npm run bench:runtimes\`)

Run on ${new Date().toISOString().slice(0, 10)}: ${machine()}, load average ${machineLoad()} at the end.
Command: \`npm run bench:runtimes\` (BENCH_ROUNDS=${ROUNDS}, ${DURATION_S}s per load at ${CONNECTIONS}
connections, autocannon in the benchmark process, medians of the rounds; ${COLD_SAMPLES} cold
samples each). The same hello world as a Lambda handler: in Node (the shim, over IPC), and in
Python 3 through \`runtime: custom\` with the \`examples/runtime-python\` bootstrap (HTTP to the
instance's Runtime API). The server, the instances and autocannon share the cores.

### Warm invoke throughput through the gateway

| runtime | req/s | vs Node | p50 ms | p99 ms | errors |
|---|---|---|---|---|---|
${loadRow("Node, Lambda handler (baseline)", node, node)}
${loadRow("Python 3, custom runtime", python, node)}

### Cold start (first call with no instance, end to end over HTTP)

| runtime | p50 ms | p99 ms |
|---|---|---|
${coldRow("Node (a stem cell specialised)", nodeCold)}
${coldRow("Python 3 (spawn the bootstrap, first poll of /next)", pythonCold)}

A custom runtime has no stem cells (its program is the function's own), so its cold start
includes starting the interpreter and importing the handler; Node's is a pre-started
process specialised. Warm, each Python call crosses HTTP twice on loopback (the event out on
/next, the response in), where Node's crosses IPC.`;
  console.log(writeSection("runtimes", section));
}

try {
  await main();
} finally {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
}
