// --max-old-space-size only caps V8's heap; Buffers, native memory and a function's own
// child processes are outside it. The watchdog reads the resident set size of each busy
// instance from /proc/<pid>/statm and kills one that goes over its memory size. It runs
// only while some instance is busy: an idle platform does no polling.
import { readFileSync } from "node:fs";

export const WATCHDOG_INTERVAL_MS = 50;

export interface WatchedProcess {
  readonly pid: number | undefined;
  readonly memoryLimitBytes: number;
  /** Called once the process is over its limit; the watchdog stops watching it. */
  overMemoryLimit(rssBytes: number): void;
}

let pageSizeBytes: number | undefined;

/** The kernel's page size, from this process's own statm and RSS (no getconf in Node). */
function pageSize(): number {
  if (pageSizeBytes === undefined) {
    const pages = Number(readFileSync("/proc/self/statm", "latin1").split(" ")[1]);
    const estimate = pages > 0 ? process.memoryUsage.rss() / pages : 4096;
    pageSizeBytes = 2 ** Math.round(Math.log2(estimate));
  }
  return pageSizeBytes;
}

/** Resident set size of a process in bytes; undefined once it is gone or on a system without /proc. */
export function residentBytes(pid: number): number | undefined {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, "latin1");
    const start = statm.indexOf(" ") + 1;
    return Number(statm.slice(start, statm.indexOf(" ", start))) * pageSize();
  } catch {
    return undefined;
  }
}

export class MemoryWatchdog {
  readonly #busy = new Set<WatchedProcess>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs = WATCHDOG_INTERVAL_MS) {
    this.#intervalMs = intervalMs;
  }

  watch(target: WatchedProcess): void {
    this.#busy.add(target);
    // The timer stops itself on a tick with nothing busy, rather than on every idle moment,
    // so back-to-back calls do not create and clear a timer each.
    this.#timer ??= setInterval(() => this.#check(), this.#intervalMs).unref();
  }

  unwatch(target: WatchedProcess): void {
    this.#busy.delete(target);
  }

  stop(): void {
    this.#busy.clear();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    if (this.#busy.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    for (const watched of this.#busy) {
      if (watched.pid === undefined) continue;
      const rss = residentBytes(watched.pid);
      if (rss !== undefined && rss > watched.memoryLimitBytes) {
        this.#busy.delete(watched);
        watched.overMemoryLimit(rss);
      }
    }
  }
}
