// npm run bench:peers: Nimbus beside what users would pick instead (workerd, Miniflare,
// serverless-offline) and the limits (bare node:http, Fastify), one system at a time, in one
// run, on one machine. Writes its section of docs/performance.md; ratios are against bare
// node:http measured in the same run, medians over BENCH_ROUNDS rounds.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll, ROOT } from "./lib/processes.ts";
import { machine, machineLoad, writeSection } from "./lib/report.ts";
import { installPeers, peerVersion } from "./peers/install.ts";
import { measure, type Settings } from "./peers/measure.ts";
import { SYSTEMS } from "./peers/systems.ts";
import { type Outcome, peersTables } from "./peers/table.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const settings: Settings = {
  durationS: Number(process.env.BENCH_DURATION_S ?? 5),
  warmupS: Number(process.env.BENCH_WARMUP_S ?? 1),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  coldSamples: Number(process.env.BENCH_COLD_SAMPLES ?? 10),
  startTimeoutMs: Number(process.env.BENCH_START_TIMEOUT_MS ?? 60_000),
};
const PEERS = new Set(["workerd", "Miniflare", "serverless-offline"]);
// BENCH_ONLY=nimbus,workerd runs a subset while working on one system; the baseline always runs.
const ONLY = process.env.BENCH_ONLY?.toLowerCase().split(",");
const systems = SYSTEMS.filter(
  (system, index) => index === 0 || !ONLY || ONLY.some((part) => system.name.toLowerCase().includes(part)),
);

function fastifyVersion(): string {
  const manifest = join(ROOT, "node_modules", "fastify", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The 1-minute load average at the start of each round, for the record. */
const roundLoads: string[] = [];

async function run(scratch: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = systems.map((system) => ({ name: system.name, samples: [] }));
  const installFailure = await installPeers().then(
    () => undefined,
    (error: Error) => error.message,
  );
  for (const outcome of outcomes) {
    if (installFailure && PEERS.has(outcome.name)) outcome.failure = installFailure;
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const loadBefore = machineLoad();
    roundLoads.push(loadBefore);
    for (const [index, system] of systems.entries()) {
      const outcome = outcomes[index] as Outcome;
      if (outcome.failure !== undefined) continue; // a system that failed once is not retried
      try {
        const sample = await measure(system, scratch, settings);
        outcome.samples.push(sample);
        console.error(
          `round ${round} (load ${loadBefore}): ${system.name}: hello ${Math.round(sample.hello.requestsPerSecond)} req/s, work ${Math.round(sample.work.requestsPerSecond)} req/s, start ${sample.startMs.toFixed(0)} ms, peak RSS ${sample.peakMemory.rssMb.toFixed(0)} MB, PSS ${sample.peakMemory.pssMb.toFixed(0)} MB`,
        );
      } catch (error) {
        outcome.failure = (error as Error).message.split("\n")[0]?.slice(0, 300);
        console.error(`bench:peers: ${system.name} could not run here: ${outcome.failure}`);
      }
    }
  }
  return outcomes;
}

async function main(): Promise<void> {
  console.error(
    `bench:peers: ${ROUNDS} rounds, ${settings.durationS}s per load (after ${settings.warmupS}s warm-up) at ${settings.connections} connections`,
  );
  const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-peers-"));
  const loadAtStart = machineLoad();
  try {
    const outcomes = await run(scratch);
    if (outcomes[0]?.samples.length === 0)
      throw new Error(`the baseline did not run: ${outcomes[0].failure}`);
    const body = `## Beside the peers (\`npm run bench:peers\`)

Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${machine()}; 1-minute load
average ${loadAtStart} at the start, ${roundLoads.join(", ")} at the start of each round and ${machineLoad()} at
the end (other work on the machine skews every figure). Command: \`npm run bench:peers\`${ONLY ? ` (BENCH_ONLY=${ONLY.join(",")})` : ""} (BENCH_ROUNDS=${ROUNDS}, ${settings.durationS}s per
load after a ${settings.warmupS}s warm-up, ${settings.connections} connections, autocannon in the benchmark
process; medians of the rounds; one system at a time, each started fresh in every round;
autocannon reports latency in whole milliseconds).
Versions: workerd ${peerVersion("workerd")}, Miniflare ${peerVersion("miniflare")}, serverless
${peerVersion("serverless")} with serverless-offline ${peerVersion("serverless-offline")}, Fastify
${fastifyVersion()}, Nimbus from this tree.

${peersTables(outcomes)}`;
    console.log(writeSection("peers", body));
  } finally {
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
