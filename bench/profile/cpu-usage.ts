// CPU time per process from /proc: which process served a load, and where the cores went
// while it ran (the server, its instances, the load generator).
import { readFileSync } from "node:fs";
import type { LoadResult } from "../lib/load.ts";
import { descendants } from "../lib/memory.ts";

const TICKS_PER_S = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  try {
    // Fields after the command (which may hold spaces) start at state; utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The busiest process of the tree during a load: the instance that served it. */
export async function busiestChild(serverPid: number, during: () => Promise<unknown>): Promise<number> {
  const before = new Map(descendants(serverPid).map((pid) => [pid, cpuTicks(pid)]));
  await during();
  let busiest = { pid: -1, ticks: -1 };
  for (const [pid, ticks] of before) {
    const used = cpuTicks(pid) - ticks;
    if (used > busiest.ticks) busiest = { pid, ticks: used };
  }
  if (busiest.pid < 0) throw new Error("no instance found");
  return busiest.pid;
}

/** Where the cores go during a load: the server, its instances, and the load generator (us). */
export async function cpuSplit(serverPid: number, during: () => Promise<LoadResult>): Promise<string> {
  const children = descendants(serverPid);
  const ticks = (): [number, number] => [
    cpuTicks(serverPid),
    children.reduce((sum, pid) => sum + cpuTicks(pid), 0),
  ];
  const [serverBefore, childrenBefore] = ticks();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const result = await during();
  const wallS = (performance.now() - started) / 1000;
  const [serverAfter, childrenAfter] = ticks();
  const own = process.cpuUsage(ownBefore);
  const cores = (cpuS: number): string => `${(cpuS / wallS).toFixed(2)} cores`;
  const calls = result.requestsPerSecond * wallS;
  const perCall = (cpuS: number): string => `${((cpuS / calls) * 1e6).toFixed(0)} µs`;
  const serverS = (serverAfter - serverBefore) / TICKS_PER_S;
  const childrenS = (childrenAfter - childrenBefore) / TICKS_PER_S;
  const ownS = (own.user + own.system) / 1e6;
  return [
    `Without the profiler, ${Math.round(result.requestsPerSecond)} req/s; CPU used during the ${wallS.toFixed(0)}s load:`,
    "",
    "| process | CPU | per call |",
    "|---|---|---|",
    `| server (gateway, runtime, recorder) | ${cores(serverS)} | ${perCall(serverS)} |`,
    `| its ${children.length} children (instances, stem cells, esbuild) | ${cores(childrenS)} | ${perCall(childrenS)} |`,
    `| autocannon (the benchmark process) | ${cores(ownS)} | ${perCall(ownS)} |`,
  ].join("\n");
}
