// npm run bench:hot-path: before/after figures of the hot-path optimisations, in ONE run.
// Each "tree" is a copy of Nimbus (this working tree, or a snapshot of it before a change);
// every round loads a bare node:http baseline and then each tree in turn (the order rotates
// per round, so no tree always runs first on a machine whose load drifts), with the
// foundation's hello app. Besides req/s and latency it reads the CPU time the server and its
// instances spent per call from /proc: on a shared machine that figure moves far less with
// other work than throughput does.
//
//   BENCH_TREES="before=/tmp/nimbus-trees/before,after=."   label=path, in the order to print
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type LoadResult, load, median, percentile } from "./lib/load.ts";
import { descendants, rssMb } from "./lib/memory.ts";
import { ADMIN_KEY, coldCall } from "./lib/nimbus.ts";
import { killAll, ROOT, startProcess, stopProcess } from "./lib/processes.ts";
import { machine, machineLoad, writeSection } from "./lib/report.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 15);
const PATHS = ["/fetch", "/lambda", "/shared"] as const;
const TICKS_PER_S = 100; // USER_HZ on Linux

interface Tree {
  label: string;
  root: string;
}

interface PathSample extends LoadResult {
  /** CPU µs per call: the server process, and its children (instances, stem cells). */
  serverUs: number;
  childrenUs: number;
}

interface TreeSample {
  paths: Record<string, PathSample>;
  idleServerMb: number;
  coldMs: number[];
  /** `nimbus up` on an empty data directory: process start → health answers, and its RSS then. */
  readyMs: number;
  emptyServerMb: number;
}

function trees(): Tree[] {
  const spec = process.env.BENCH_TREES ?? `current=${ROOT}`;
  return spec.split(",").map((part) => {
    const [label, root] = part.split("=") as [string, string];
    return { label, root: resolve(ROOT, root) };
  });
}

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

async function measured(url: string, serverPid: number): Promise<PathSample> {
  await load(url, { durationS: WARMUP_S, connections: CONNECTIONS });
  const children = descendants(serverPid);
  const childTicks = (): number => children.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  const [server0, children0] = [cpuTicks(serverPid), childTicks()];
  const result = await load(url, { durationS: DURATION_S, connections: CONNECTIONS });
  const calls = Math.max(1, result.requestsPerSecond * DURATION_S);
  const perCall = (ticks: number): number => (ticks / TICKS_PER_S / calls) * 1e6;
  return {
    ...result,
    serverUs: perCall(cpuTicks(serverPid) - server0),
    childrenUs: perCall(childTicks() - children0),
  };
}

async function emptyPlatform(tree: Tree, scratch: string): Promise<{ readyMs: number; rssMb: number }> {
  const started = performance.now();
  const server = await startProcess(
    ["bin/nimbus.js", "up", "--port", "0", "--data-dir", mkdtempSync(join(scratch, "e-"))],
    { env: { NIMBUS_ADMIN_KEY: ADMIN_KEY, XDG_CONFIG_HOME: scratch }, cwd: tree.root },
  );
  try {
    const health = await fetch(`${server.url}/_nimbus/health`);
    const readyMs = performance.now() - started;
    if (health.status !== 200) throw new Error(`health answered ${health.status}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a benchmark: let it settle
    return { readyMs, rssMb: rssMb(server.child.pid as number) };
  } finally {
    await stopProcess(server);
  }
}

async function sampleTree(tree: Tree, scratch: string): Promise<TreeSample> {
  const empty = await emptyPlatform(tree, scratch);
  const server = await startProcess(
    [
      "bench/servers/nimbus-server.ts",
      join(tree.root, "bench", "apps", "hello"),
      mkdtempSync(join(scratch, "d-")),
    ],
    { env: { NIMBUS_ADMIN_KEY: ADMIN_KEY }, cwd: tree.root },
  );
  const pid = server.child.pid as number;
  try {
    const idleServerMb = rssMb(pid);
    // Cold calls first, while the only shim processes are the 2 stem cells and the 3 warm
    // functions' single instances: coldCall waits for that count (the stem cells refilled).
    const probe = {
      url: server.url,
      app: "bench",
      fn: "cold",
      path: "/cold",
      serverPid: pid,
      idleProcesses: 5,
    };
    const coldMs: number[] = [];
    for (let i = 0; i < COLD_SAMPLES; i++) coldMs.push(await coldCall(probe));
    const paths: Record<string, PathSample> = {};
    for (const path of PATHS) paths[path] = await measured(`${server.url}${path}`, pid);
    return { paths, idleServerMb, coldMs, readyMs: empty.readyMs, emptyServerMb: empty.rssMb };
  } finally {
    await stopProcess(server);
  }
}

const fmt = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function report(
  list: Tree[],
  samples: Map<string, TreeSample[]>,
  bare: LoadResult[],
  loads: string[],
): string {
  const bareRps = median(bare.map((b) => b.requestsPerSecond));
  const lines: string[] = [];
  for (const path of PATHS) {
    lines.push(
      `#### \`GET ${path}\``,
      "",
      "| tree | req/s | vs bare node:http | p50 ms | p99 ms | server CPU µs/call | instances CPU µs/call |",
      "|---|---|---|---|---|---|---|",
    );
    for (const tree of list) {
      const runs = (samples.get(tree.label) ?? []).map((s) => s.paths[path] as PathSample);
      const m = (pick: (s: PathSample) => number): number => median(runs.map(pick));
      lines.push(
        `| ${tree.label} | ${fmt(m((s) => s.requestsPerSecond))} | ${fmt(m((s) => s.requestsPerSecond) / bareRps, 2)}× | ${fmt(
          m((s) => s.p50Ms),
          1,
        )} | ${fmt(
          m((s) => s.p99Ms),
          1,
        )} | ${fmt(m((s) => s.serverUs))} | ${fmt(m((s) => s.childrenUs))} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "#### Cold start (`GET /cold`, a `keepWarm: 1ms` function, stem cells refilled before each call), idle memory, start",
    "",
    "| tree | cold p50 ms | cold p99 ms | cold samples | idle server RSS MB, hello app deployed | idle server RSS MB, nothing deployed | `nimbus up` → health answers, ms |",
    "|---|---|---|---|---|---|---|",
  );
  for (const tree of list) {
    const runs = samples.get(tree.label) ?? [];
    const cold = runs.flatMap((s) => s.coldMs);
    lines.push(
      `| ${tree.label} | ${fmt(median(cold), 1)} | ${fmt(percentile(cold, 99), 1)} | ${cold.length} | ${fmt(median(runs.map((s) => s.idleServerMb)))} | ${fmt(median(runs.map((s) => s.emptyServerMb)))} | ${fmt(median(runs.map((s) => s.readyMs)))} |`,
    );
  }
  return `## Hot path: before and after, in one run (\`npm run bench:hot-path\`)

Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${machine()}; 1-minute load average
${loads.join(", ")} at the start of each round and ${machineLoad()} at the end (other engineers' test runs
shared the machine). Command: \`BENCH_TREES=… npm run bench:hot-path\` (BENCH_ROUNDS=${ROUNDS}, ${DURATION_S}s per load after a
${WARMUP_S}s warm-up, ${CONNECTIONS} connections, ${COLD_SAMPLES} cold calls per round; medians of the rounds; the
tree order rotates each round). Bare node:http in the same rounds: ${fmt(bareRps)} req/s (median).
Trees: ${list.map((t) => `\`${t.label}\``).join(", ")} (each adds one change to the one before; see "Tuning the hot path" above).

${lines.join("\n").trim()}`;
}

async function main(): Promise<void> {
  const list = trees();
  const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-hot-"));
  const samples = new Map<string, TreeSample[]>(list.map((t) => [t.label, []]));
  const bare: LoadResult[] = [];
  const loads: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(machineLoad());
      const baseline = await startProcess(["bench/servers/bare-http.ts"]);
      await load(`${baseline.url}/hello`, { durationS: WARMUP_S, connections: CONNECTIONS });
      bare.push(await load(`${baseline.url}/hello`, { durationS: DURATION_S, connections: CONNECTIONS }));
      await stopProcess(baseline);
      const order = list.map((_, i) => list[(i + round) % list.length] as Tree);
      for (const tree of order) {
        const sample = await sampleTree(tree, scratch);
        samples.get(tree.label)?.push(sample);
        const summary = PATHS.map(
          (p) =>
            `${p} ${fmt(sample.paths[p]?.requestsPerSecond ?? Number.NaN)} (${fmt(sample.paths[p]?.serverUs ?? Number.NaN)}+${fmt(sample.paths[p]?.childrenUs ?? Number.NaN)} µs)`,
        ).join(", ");
        console.error(
          `round ${round + 1} (load ${loads.at(-1)}), bare ${fmt(bare.at(-1)?.requestsPerSecond ?? 0)}: ${tree.label}: ${summary}, cold p50 ${fmt(median(sample.coldMs), 1)} ms, idle ${fmt(sample.idleServerMb)} MB, empty ${fmt(sample.emptyServerMb)} MB, ready ${fmt(sample.readyMs)} ms`,
        );
      }
    }
    const section = report(list, samples, bare, loads);
    console.log(process.env.BENCH_WRITE === "0" ? section : writeSection("hot-path", section));
  } finally {
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
