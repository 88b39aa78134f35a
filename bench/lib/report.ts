// The machine a run was on, and writing a run's section into docs/performance.md between
// its own markers, so each benchmark owns its section and never touches another run's.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "./processes.ts";

export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** The 1-minute load average: other work on the machine skews every figure of the run. */
export function machineLoad(): string {
  return loadavg()[0]?.toFixed(2) ?? "unknown";
}

export function writeSection(marker: string, body: string): string {
  const section = `<!-- bench:${marker}:start -->\n${body.trim()}\n<!-- bench:${marker}:end -->`;
  const docPath = join(ROOT, "docs", "performance.md");
  const doc = readFileSync(docPath, "utf8");
  const pattern = new RegExp(`<!-- bench:${marker}:start -->[\\s\\S]*<!-- bench:${marker}:end -->`);
  // A function replacement, so `$` in the section is never read as a pattern reference.
  const next = pattern.test(doc) ? doc.replace(pattern, () => section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(docPath, next);
  return section;
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}
