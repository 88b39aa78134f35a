// Pre-started, generic shim processes, so that a cold start is "send specialize" (a few
// ms) rather than "spawn Node and load fetch" (~60 ms). --max-old-space-size is fixed at
// spawn, so there is one supply per memory size, and only for memory sizes some active
// pool uses. A stem cell is taken by exactly one function and never returns: the supply
// is refilled in the background instead.
import type { Instance } from "./instance.ts";

/** Retry delay after a stem cell died before it was ready, doubled per failure in a row. */
const REFILL_BACKOFF_MS = 100;
const REFILL_BACKOFF_MAX_MS = 5_000;

export interface StemCellsOptions {
  /** How many ready stem cells to keep per memory size; 0: spawn on every cold start. */
  readonly perMemorySize: number;
  readonly spawn: (memoryMb: number) => Instance;
}

interface Supply {
  /** Active pools of this memory size. */
  users: number;
  readonly ready: Instance[];
  spawning: number;
  failuresInARow: number;
  retryTimer: NodeJS.Timeout | undefined;
}

export class StemCells {
  readonly #options: StemCellsOptions;
  readonly #supplies = new Map<number, Supply>();
  #stopped = false;

  constructor(options: StemCellsOptions) {
    this.#options = options;
  }

  /** A pool of this memory size became active: keep stem cells for it. */
  retain(memoryMb: number): void {
    let supply = this.#supplies.get(memoryMb);
    if (supply === undefined) {
      supply = { users: 0, ready: [], spawning: 0, failuresInARow: 0, retryTimer: undefined };
      this.#supplies.set(memoryMb, supply);
    }
    supply.users++;
    this.#fill(memoryMb, supply);
  }

  /** A pool retired: the last one of its memory size takes the stem cells with it. */
  release(memoryMb: number): void {
    const supply = this.#supplies.get(memoryMb);
    if (supply === undefined || --supply.users > 0) return;
    this.#supplies.delete(memoryMb);
    clearTimeout(supply.retryTimer);
    for (const stem of supply.ready.splice(0)) stem.kill("idle");
  }

  /**
   * A ready stem cell of this size, or a freshly spawned one when none is ready. The
   * caller calls replenish() once it has specialised it: spawning the replacement right
   * away would compete for the CPU with the very cold start the stem cell is there to speed up.
   */
  async take(memoryMb: number): Promise<Instance> {
    const stem = this.#supplies.get(memoryMb)?.ready.pop();
    if (stem !== undefined) return stem;
    const fresh = this.#options.spawn(memoryMb);
    await fresh.whenStemReady();
    return fresh;
  }

  /** Brings the supply of this size back to its target, in the background. */
  replenish(memoryMb: number): void {
    const supply = this.#supplies.get(memoryMb);
    if (supply !== undefined) this.#fill(memoryMb, supply);
  }

  /** Ready plus starting stem cells. */
  count(): number {
    let total = 0;
    for (const supply of this.#supplies.values()) total += supply.ready.length + supply.spawning;
    return total;
  }

  /** No more refills; the runtime kills the processes themselves. */
  stop(): void {
    this.#stopped = true;
    for (const supply of this.#supplies.values()) clearTimeout(supply.retryTimer);
    this.#supplies.clear();
  }

  #fill(memoryMb: number, supply: Supply): void {
    const target = this.#options.perMemorySize;
    while (
      !this.#stopped &&
      supply.retryTimer === undefined &&
      supply.ready.length + supply.spawning < target
    ) {
      supply.spawning++;
      const stem = this.#options.spawn(memoryMb);
      stem.whenStemReady().then(
        () => this.#onReady(memoryMb, supply, stem),
        () => this.#onFailed(memoryMb, supply),
      );
    }
  }

  #onReady(memoryMb: number, supply: Supply, stem: Instance): void {
    supply.spawning--;
    supply.failuresInARow = 0;
    if (this.#stopped || this.#supplies.get(memoryMb) !== supply) {
      stem.kill("idle");
      return;
    }
    supply.ready.push(stem);
    void stem.exited.then(() => {
      // Died while waiting to be taken (killed from outside, say): replace it.
      const index = supply.ready.indexOf(stem);
      if (index === -1) return;
      supply.ready.splice(index, 1);
      this.#fill(memoryMb, supply);
    });
  }

  #onFailed(memoryMb: number, supply: Supply): void {
    supply.spawning--;
    if (this.#stopped || this.#supplies.get(memoryMb) !== supply || supply.retryTimer !== undefined) return;
    // Something keeps new processes from starting: retry later rather than spawn in a loop.
    const delayMs = Math.min(REFILL_BACKOFF_MS * 2 ** supply.failuresInARow, REFILL_BACKOFF_MAX_MS);
    supply.failuresInARow++;
    supply.retryTimer = setTimeout(() => {
      supply.retryTimer = undefined;
      this.#fill(memoryMb, supply);
    }, delayMs).unref();
  }
}
