// Workflow benchmarks (issue 7): start latency (HTTP start acknowledged = stored), step
// throughput for five steps in sequence and for a fan-out of 100, next to raw node:sqlite
// single-row transactions measured in the same run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { percentile } from "./store-ports.ts";

const STARTS = 300;
const SEQUENCES = 100;
const FANOUTS = 10;
const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-workflows-"));

function rawSqliteWritesPerSecond(count: number): number {
  const db = new DatabaseSync(join(scratch, "raw.db"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec("CREATE TABLE j (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO j (body) VALUES (?)");
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    db.exec("BEGIN IMMEDIATE");
    insert.run('{"step":1}');
    db.exec("COMMIT");
  }
  const rate = Math.round(count / ((performance.now() - started) / 1000));
  db.close();
  return rate;
}

async function start(nimbus: TestPlatform, workflow: string): Promise<string> {
  const response = await nimbus.admin(`/apps/wfbench/workflows/${workflow}/instances`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  if (response.status !== 201) throw new Error(`start failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { instanceId: string }).instanceId;
}

async function allCompleted(nimbus: TestPlatform, workflow: string, count: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const response = await nimbus.admin(`/apps/wfbench/workflows?workflow=${workflow}&limit=1000`);
    const { instances } = (await response.json()) as { instances: { status: string }[] };
    const done = instances.filter((instance) => instance.status === "completed").length;
    if (done >= count) return;
    if (instances.some((instance) => instance.status === "failed" || instance.status === "parked")) {
      throw new Error(`${workflow}: an instance did not complete`);
    }
    if (Date.now() > deadline) throw new Error(`${workflow}: ${done}/${count} completed in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stepsPerSecond(nimbus: TestPlatform, workflow: string, instances: number, steps: number) {
  const started = performance.now();
  await Promise.all(Array.from({ length: instances }, () => start(nimbus, workflow)));
  await allCompleted(nimbus, workflow, instances);
  return Math.round((instances * steps) / ((performance.now() - started) / 1000));
}

const appDir = fileURLToPath(new URL("./apps/workflows/", import.meta.url));
const nimbus = await startTestPlatform({ appDir });
try {
  const latencies: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const began = performance.now();
    await start(nimbus, "empty");
    latencies.push(performance.now() - began);
  }
  latencies.sort((a, b) => a - b);
  await allCompleted(nimbus, "empty", STARTS);
  const sequence = await stepsPerSecond(nimbus, "sequence", SEQUENCES, 5);
  const fanout = await stepsPerSecond(nimbus, "fanout", FANOUTS, 100);
  const raw = rawSqliteWritesPerSecond(5_000);
  console.log("workflows (one node, SQLite)");
  console.log(
    `  start latency (HTTP, stored): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
  );
  console.log(`  steps/s, 5 in sequence x ${SEQUENCES} instances: ${sequence}`);
  console.log(`  steps/s, fan-out of 100 x ${FANOUTS} instances: ${fanout}`);
  console.log(`  raw node:sqlite single-row transactions/s: ${raw}`);
} finally {
  await nimbus.stop();
  rmSync(scratch, { recursive: true, force: true });
}
