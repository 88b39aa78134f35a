// Resident memory of a process and everything it started, read from /proc (Linux only).
import { readFileSync } from "node:fs";

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0; // exited between listing and reading
  }
}

export function descendants(pid: number): number[] {
  const found: number[] = [];
  let listed: string;
  try {
    listed = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
  } catch {
    return found;
  }
  for (const child of listed.trim().split(/\s+/).filter(Boolean)) {
    found.push(Number(child), ...descendants(Number(child)));
  }
  return found;
}

/**
 * Proportional set size: each shared page split among the processes that map it. Summing RSS
 * over many Node processes counts the Node binary and shared libraries once per process; PSS
 * is what the tree really holds. Falls back to RSS where smaps_rollup cannot be read.
 */
export function pssMb(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const pss = /^Pss:\s+(\d+)/m.exec(rollup)?.[1];
    return pss === undefined ? rssMb(pid) : Number(pss) / 1024;
  } catch {
    return rssMb(pid);
  }
}

export interface TreeMemory {
  rssMb: number;
  pssMb: number;
}

export function treeMemory(pid: number): TreeMemory {
  const pids = [pid, ...descendants(pid)];
  return {
    rssMb: pids.reduce((sum, each) => sum + rssMb(each), 0),
    pssMb: pids.reduce((sum, each) => sum + pssMb(each), 0),
  };
}

/** Samples the tree's memory every `intervalMs` until stopped; the peak is what a host must hold. */
export function samplePeakMemory(pid: number, intervalMs = 200): { stop(): TreeMemory } {
  const peak: TreeMemory = { rssMb: 0, pssMb: 0 };
  const sample = (): void => {
    const now = treeMemory(pid);
    peak.rssMb = Math.max(peak.rssMb, now.rssMb);
    peak.pssMb = Math.max(peak.pssMb, now.pssMb);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}
