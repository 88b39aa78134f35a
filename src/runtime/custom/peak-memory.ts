// The peak resident memory of a process that is not Node (a custom runtime cannot report
// process.resourceUsage().maxRSS as the shim does): VmHWM in /proc/<pid>/status, the
// kernel's high-water mark of its resident set, in KB.
import { readFileSync } from "node:fs";

/** 0 when unknown (the process is gone, or there is no /proc). */
export function peakResidentKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}
