// Per-operation latency and throughput of the store ports, the same operations on any
// adapter. Used by bench/store.ts for SQLite and PostgreSQL in one run.
import { parseManifest } from "../src/core/manifest/parse.ts";
import type { InvocationRecord, NewLogLine, Store } from "../src/store/ports.ts";

export interface OperationResult {
  readonly name: string;
  /** One caller, one operation at a time. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Operations per second with CONCURRENT_CALLERS callers at once. */
  readonly opsPerSecond: number;
}

export const CONCURRENT_CALLERS = 8;
const BATCH = 50;
const config = parseManifest("app: bench\nfunctions:\n  api:\n    handler: src/api.handler\n");

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function invocation(i: number): InvocationRecord {
  return {
    requestId: `req-${i}-${Math.random().toString(36).slice(2)}`,
    app: "bench",
    functionName: "api",
    version: "1",
    startedAt: Date.now(),
    durationMs: 3,
    billedDurationMs: 3,
    initDurationMs: undefined,
    peakMemoryMb: 40,
    cold: false,
    status: "success",
    errorCode: undefined,
    errorMessage: undefined,
    httpStatus: 200,
  };
}

function logLine(i: number): NewLogLine {
  return {
    timestamp: Date.now(),
    app: "bench",
    functionName: "api",
    version: "1",
    requestId: `req-${i}`,
    stream: "stdout",
    level: "info",
    message: `line ${i} of the benchmark, about as long as a real log line would be`,
  };
}

type Operation = (i: number) => Promise<unknown>;

/** The operations measured, in the order of the table. */
function operations(store: Store, changeRoundTrip: Operation): [string, Operation][] {
  let lease = 0;
  return [
    [
      "deployments.createDeployment",
      (i) =>
        store.deployments.createDeployment({
          app: `bench-${i % 16}`,
          config,
          functionHashes: { api: String(i) },
          source: "deploy",
        }),
    ],
    ["deployments.activeDeployment", (i) => store.deployments.activeDeployment(`bench-${i % 16}`)],
    [
      `invocations.recordInvocations (${BATCH} records)`,
      (i) =>
        store.invocations.recordInvocations(
          Array.from({ length: BATCH }, (_, k) => invocation(i * BATCH + k)),
        ),
    ],
    [
      `logs.appendLogs (${BATCH} lines)`,
      (i) => store.logs.appendLogs(Array.from({ length: BATCH }, (_, k) => logLine(i * BATCH + k))),
    ],
    ["logs.queryLogs (newest 100)", () => store.logs.queryLogs({ app: "bench", limit: 100 })],
    ["settings.setSetting", (i) => store.settings.setSetting(`bench-${i % 16}`, String(i))],
    ["settings.getSetting", (i) => store.settings.getSetting(`bench-${i % 16}`)],
    ["leases.acquire (free lease)", () => store.leases.acquire(`bench-${lease++}`, "bench", 15_000)],
    ["leases.checkFence", (i) => store.leases.checkFence(`bench-${i % Math.max(1, lease)}`, 1)],
    ["changes publish → delivered", changeRoundTrip],
  ];
}

/** Publish on one store, resolve when a subscriber of the same store got it. */
async function changeFeedRoundTrip(store: Store): Promise<{ op: Operation; stop: () => Promise<void> }> {
  const waiting = new Map<string, () => void>();
  const unsubscribe = await store.changes.subscribe("bench.roundtrip", (payload) => {
    waiting.get(payload)?.();
    waiting.delete(payload);
  });
  return {
    op: (i) =>
      new Promise<void>((resolve, reject) => {
        const payload = `${i}-${Math.random()}`;
        waiting.set(payload, resolve);
        store.changes.publish("bench.roundtrip", payload).catch(reject);
      }),
    stop: unsubscribe,
  };
}

export async function measureStore(store: Store, sequentialOps: number): Promise<OperationResult[]> {
  const feed = await changeFeedRoundTrip(store);
  const results: OperationResult[] = [];
  try {
    for (const [name, op] of operations(store, feed.op)) {
      for (let i = 0; i < 20; i++) await op(i); // warm-up: connections, statement caches
      const latencies: number[] = [];
      for (let i = 0; i < sequentialOps; i++) {
        const started = performance.now();
        await op(i);
        latencies.push(performance.now() - started);
      }
      let next = 0;
      const started = performance.now();
      const caller = async () => {
        while (next < sequentialOps) await op(next++);
      };
      await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, caller));
      const elapsedS = (performance.now() - started) / 1000;
      results.push({
        name,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        opsPerSecond: sequentialOps / elapsedS,
      });
    }
  } finally {
    await feed.stop();
  }
  return results;
}
