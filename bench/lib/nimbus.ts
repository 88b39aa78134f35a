// Nimbus-specific probes for the benchmarks: its admin API, and cold starts of a function
// declared with `keepWarm: 1ms` (every call after the instance expired finds none warm).
import { readFileSync } from "node:fs";
import { descendants } from "./memory.ts";
import { until } from "./processes.ts";

export const ADMIN_KEY = "nk_bench_0123456789abcdef";

async function admin(url: string, path: string): Promise<unknown> {
  const response = await fetch(`${url}/_nimbus${path}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
  return response.json();
}

export async function runningInstances(url: string, app: string, fn: string): Promise<number> {
  const found = (await admin(url, `/apps/${app}`)) as {
    functions: { name: string; instances: { running: number } }[];
  };
  return found.functions.find((f) => f.name === fn)?.instances.running ?? -1;
}

export interface ColdProbe {
  url: string;
  app: string;
  fn: string;
  path: string;
  serverPid: number;
  /** Shim processes the server keeps when idle and its stem cells are full (warm instances + stem cells). */
  idleProcesses: number;
}

/** One cold call: waits until `fn` has no instance and the stem cells refilled, then times it. */
export async function coldCall(probe: ColdProbe): Promise<number> {
  await until(async () => (await runningInstances(probe.url, probe.app, probe.fn)) === 0);
  await until(async () => shimProcesses(probe.serverPid) >= probe.idleProcesses);
  const started = performance.now();
  const response = await fetch(`${probe.url}${probe.path}`, { signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`cold call answered ${response.status}`);
  return performance.now() - started;
}

/** Function instances and stem cells, not the other children (esbuild's service process). */
export function shimProcesses(serverPid: number): number {
  return descendants(serverPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("shim.mjs");
    } catch {
      return false; // exited meanwhile
    }
  }).length;
}
