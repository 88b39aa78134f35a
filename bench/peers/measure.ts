// One system, once: start it, time its first answer and its cold starts, load it warm with
// both workloads, and hold its peak memory; it is always stopped, also when a step fails.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { type LoadResult, load } from "../lib/load.ts";
import { samplePeakMemory, type TreeMemory } from "../lib/memory.ts";
import { coldCall, runningInstances } from "../lib/nimbus.ts";
import { stopProcess, until, withTimeout } from "../lib/processes.ts";
import { orderBody } from "./order.ts";
import type { System } from "./systems.ts";

export interface Settings {
  durationS: number;
  warmupS: number;
  connections: number;
  coldSamples: number;
  startTimeoutMs: number;
}

export interface Sample {
  startMs: number;
  coldMs: number[];
  hello: LoadResult;
  work: LoadResult;
  /** Of the process and everything it started, sampled every 200 ms from its start to its stop. */
  peakMemory: TreeMemory;
}

const WORK_BODY = orderBody();
/** Nimbus' idle shim processes with the peers app: 6 warm instances and 2 stem cells. */
const NIMBUS_IDLE_PROCESSES = 8;

export async function measure(system: System, scratchRoot: string, settings: Settings): Promise<Sample> {
  const scratch = mkdtempSync(join(scratchRoot, "system-"));
  const spawnedAt = performance.now();
  const server = await withTimeout(
    system.start(scratch),
    settings.startTimeoutMs,
    `${system.name} did not start`,
  );
  const pid = server.child.pid as number;
  const peak = samplePeakMemory(pid);
  try {
    await firstResponse(`${server.url}${system.helloPath}`, settings.startTimeoutMs, server.child);
    const startMs = performance.now() - spawnedAt;
    const coldMs = await coldStarts(system, server.url, pid, settings.coldSamples);
    const work = {
      method: "POST" as const,
      body: WORK_BODY,
      headers: { "content-type": "application/json" },
    };
    const helloUrl = `${server.url}${system.helloPath}`;
    const workUrl = `${server.url}${system.workPath}`;
    await load(helloUrl, { durationS: settings.warmupS, connections: settings.connections });
    const hello = await load(helloUrl, { durationS: settings.durationS, connections: settings.connections });
    await load(workUrl, { durationS: settings.warmupS, connections: settings.connections, ...work });
    const workResult = await load(workUrl, {
      durationS: settings.durationS,
      connections: settings.connections,
      ...work,
    });
    return { startMs, coldMs, hello, work: workResult, peakMemory: peak.stop() };
  } finally {
    peak.stop();
    await stopProcess(server);
  }
}

/**
 * Polls until the URL answers 200 (each try bounded to 1 s); the process start is the clock's
 * zero. Gives up at once if the process exits, and with a clear message at the deadline.
 */
async function firstResponse(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const answered = until(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false; // not listening yet
    }
  }, timeoutMs);
  await answered.catch(() => {
    throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
  });
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(
      `exited (${child.exitCode ?? child.signalCode}) before answering; BENCH_VERBOSE=1 shows its output`,
    );
  }
}

/**
 * Cold calls as `System.cold` says; for `expired-instance`, each after the stem cells refilled.
 * Systems that load their code at start (workerd, Miniflare, the limits) have none.
 */
async function coldStarts(system: System, url: string, pid: number, samples: number): Promise<number[]> {
  if (system.cold === undefined) return [];
  const { path, kind } = system.cold;
  if (kind === "expired-instance") {
    const probe = {
      url,
      app: "peers",
      fn: path.slice(1),
      path,
      serverPid: pid,
      idleProcesses: NIMBUS_IDLE_PROCESSES,
    };
    await until(async () => (await runningInstances(url, "peers", probe.fn)) === 0);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push(await coldCall(probe));
    return times;
  }
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`cold call answered ${response.status}`);
  return [performance.now() - started];
}
