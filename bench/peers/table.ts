// The peers section of docs/performance.md: medians over rounds, ratios against bare
// node:http from the same run, and one line for every system that could not run.
import { type LoadResult, median, percentile, pickMedian } from "../lib/load.ts";
import { ratio } from "../lib/report.ts";
import { goalsTable } from "./goals.ts";
import type { Sample } from "./measure.ts";

export interface Outcome {
  name: string;
  samples: Sample[];
  failure?: string;
}

function loadRow(name: string, result: LoadResult, baseline: LoadResult): string {
  const rps = Math.round(result.requestsPerSecond);
  return `| ${name} | ${rps} | ${ratio(result.requestsPerSecond, baseline.requestsPerSecond)} | ${result.p50Ms} | ${result.p99Ms} | ${result.errors} |`;
}

function loadTable(outcomes: Outcome[], pick: (sample: Sample) => LoadResult): string {
  const measured = outcomes.filter((o) => o.samples.length > 0);
  const baseline = pickMedian((measured[0] as Outcome).samples.map(pick));
  const rows = measured.map((o) => loadRow(o.name, pickMedian(o.samples.map(pick)), baseline));
  return [
    "| system | req/s | vs bare node:http | p50 ms | p99 ms | errors |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function coldCell(samples: Sample[]): string {
  const all = samples.flatMap((s) => s.coldMs);
  if (all.length === 0) return "n/a";
  return `${median(all).toFixed(1)} / ${percentile(all, 99).toFixed(1)} (n=${all.length})`;
}

function startTable(outcomes: Outcome[]): string {
  const measured = outcomes.filter((o) => o.samples.length > 0);
  const baseline = (measured[0] as Outcome).samples;
  const baseStart = median(baseline.map((s) => s.startMs));
  const basePss = median(baseline.map((s) => s.peakMemory.pssMb));
  const rows = measured.map((o) => {
    const start = median(o.samples.map((s) => s.startMs));
    const rss = median(o.samples.map((s) => s.peakMemory.rssMb));
    const pss = median(o.samples.map((s) => s.peakMemory.pssMb));
    return `| ${o.name} | ${start.toFixed(0)} | ${ratio(start, baseStart)} | ${coldCell(o.samples)} | ${rss.toFixed(0)} | ${pss.toFixed(0)} | ${ratio(pss, basePss)} |`;
  });
  return [
    "| system | start → first response ms | vs bare | cold start p50 / p99 ms | peak RSS MB (sum) | peak PSS MB | PSS vs bare |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

export function peersTables(outcomes: Outcome[]): string {
  const failures = outcomes
    .filter((o) => o.failure !== undefined)
    .map((o) => `- **${o.name}** could not run here: ${o.failure}`);
  return [
    "### Warm hello world",
    "",
    loadTable(outcomes, (s) => s.hello),
    "",
    "### Second workload: POST of a ~10 KB JSON order, parsed, priced, a JSON answer",
    "",
    loadTable(outcomes, (s) => s.work),
    "",
    "### Start, cold start, memory",
    "",
    startTable(outcomes),
    "",
    "### Issue 8's goals for part 2, in this run",
    "",
    goalsTable(outcomes, [
      "Nimbus, fetch-style handler",
      "Nimbus, Lambda-style handler",
      "Nimbus, fetch-style, perInstance: 16 (one instance)",
    ]),
    ...(failures.length > 0 ? ["", "### Not measured", "", ...failures] : []),
  ].join("\n");
}
