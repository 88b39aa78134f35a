// npm run bench:profile: where the warm path's time goes. Starts Nimbus with the foundation's
// hello app, loads it, and records CPU profiles through the inspector for the load window
// only: the server while it serves /fetch (one call per instance), then the one instance of
// /shared (perInstance: 16) while it serves. Prints self time by area and the top functions,
// writes its section of docs/performance.md, and keeps the .cpuprofile files (open them in
// Chrome DevTools) under .bench/profiles/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadResult, load } from "./lib/load.ts";
import { ADMIN_KEY } from "./lib/nimbus.ts";
import { killAll, ROOT, startProcess, stopProcess } from "./lib/processes.ts";
import { machine, machineLoad, writeSection } from "./lib/report.ts";
import { freePort } from "./peers/free-port.ts";
import { busiestChild, cpuSplit } from "./profile/cpu-usage.ts";
import { type CpuProfile, startProfiler } from "./profile/inspector.ts";
import { type Summary, summarise } from "./profile/summarise.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TOP_FUNCTIONS = 12;
const INSTANCE_INSPECTOR_PORT = 9229; // what SIGUSR1 opens in a process started without --inspect-port
const PROFILES = join(ROOT, ".bench", "profiles");

async function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function table(summary: Summary): string {
  const share = (ms: number): string => `${((100 * ms) / summary.busyMs).toFixed(1)} %`;
  const areas = summary.areas.map((a) => `| ${a.area} | ${a.selfMs.toFixed(0)} | ${share(a.selfMs)} |`);
  const top = summary.functions
    .slice(0, TOP_FUNCTIONS)
    .map((f) => `| \`${f.name}\` | ${f.area} | ${f.selfMs.toFixed(0)} | ${share(f.selfMs)} |`);
  return [
    "| area | self ms | share of busy time |",
    "|---|---|---|",
    ...areas,
    "",
    "| function | area | self ms | share |",
    "|---|---|---|---|",
    ...top,
  ].join("\n");
}

function keep(name: string, profile: CpuProfile): void {
  mkdirSync(PROFILES, { recursive: true });
  writeFileSync(join(PROFILES, `${name}.cpuprofile`), JSON.stringify(profile));
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-profile-"));
  const serverPort = await freePort();
  const server = await startProcess(
    [
      `--inspect-port=127.0.0.1:${serverPort}`,
      "bench/servers/nimbus-server.ts",
      join(ROOT, "bench", "apps", "hello"),
      scratch,
    ],
    { env: { NIMBUS_ADMIN_KEY: ADMIN_KEY } },
  );
  const loadAt = (path: string, durationS: number): Promise<LoadResult> =>
    load(`${server.url}${path}`, { durationS, connections: CONNECTIONS });
  try {
    const serverPid = server.child.pid as number;
    await loadAt("/fetch", 2);
    const split = await cpuSplit(serverPid, () => loadAt("/fetch", DURATION_S));
    const serverProfiler = await startProfiler(serverPid, serverPort);
    const serverLoad = await loadAt("/fetch", DURATION_S);
    const serverProfile = await serverProfiler.stop();
    keep("server-fetch", serverProfile);

    const instancePid = await busiestChild(serverPid, () => loadAt("/shared", 2));
    let instancePart = `Not profiled: 127.0.0.1:${INSTANCE_INSPECTOR_PORT} is taken by another process.`;
    if (!(await portTaken(INSTANCE_INSPECTOR_PORT))) {
      const instanceProfiler = await startProfiler(instancePid, INSTANCE_INSPECTOR_PORT);
      const instanceLoad = await loadAt("/shared", DURATION_S);
      const instanceProfile = await instanceProfiler.stop();
      keep("instance-shared", instanceProfile);
      instancePart = `With the profiler on, while it served ${Math.round(instanceLoad.requestsPerSecond)} req/s:\n\n${table(summarise(instanceProfile))}`;
    }
    const body = `## Profile of the warm path (\`npm run bench:profile\`)

Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${machine()}; 1-minute load average
${machineLoad()}. CPU profiles (200 µs sampling, through the inspector, for the ${DURATION_S}s load window
only, after a 2s warm-up; ${CONNECTIONS} connections). Self time, as V8 samples it: the wall time
between samples goes to the frame on top, so a call that blocks or loses the CPU (a pipe write that
wakes another process on these 2 cores, a SQLite commit) is charged with the wait; a native frame
counts for the area of its JavaScript caller; idle time is left out. The files are in
\`.bench/profiles/\` (open them in Chrome DevTools).

### The server process, serving \`GET /fetch\` (fetch-style hello world, one call per instance)

${split}

With the profiler on, while it served ${Math.round(serverLoad.requestsPerSecond)} req/s:

${table(summarise(serverProfile))}

### The instance of \`GET /shared\` (the same function, one instance taking 16 calls at once)

${instancePart}`;
    console.log(writeSection("profile", body));
  } finally {
    await stopProcess(server);
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
