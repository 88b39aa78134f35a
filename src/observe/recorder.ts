// Invocation records and log lines are written behind the hot path: buffered and
// flushed in one transaction every 100 ms (or at once past MAX_BUFFERED), so a call never
// waits on a disk write. Bigger, rarer batches cost the server less per record (one commit
// per batch, index pages shared by the rows). Readers (the admin API's invocations and logs)
// flush first, so they never miss a record; `logs --follow` lines arrive within the interval.
// They are observations, not acknowledged user data: a kill -9 can lose the last flush
// interval of them (documented in docs/architecture.md).
import { EventEmitter } from "node:events";
import type { InvocationRecord, InvocationStore, LogStore, NewLogLine } from "../store/ports.ts";

/** Records plus lines held in memory before a flush starts without waiting for the interval. */
const MAX_BUFFERED = 2_000;

export interface RecorderOptions {
  readonly invocations: InvocationStore;
  readonly logs: LogStore;
  /** How long records may wait in memory before they are written. */
  readonly flushIntervalMs?: number;
  /** Log lines kept; older ones are pruned after flushes. */
  readonly logRetentionLines?: number;
  /**
   * Deletes the oldest lines beyond `keepLines`. Default: `logs.pruneLogs`. platform.ts passes
   * one guarded by a lease, so in a cluster only the holder's recorder prunes.
   */
  readonly prune?: (keepLines: number) => Promise<unknown>;
  readonly onError?: (error: unknown) => void;
}

export class Recorder {
  readonly #options: Required<RecorderOptions>;
  #invocations: InvocationRecord[] = [];
  #lines: NewLogLine[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #linesSincePrune = 0;
  /** Emits "flushed" after every write, so followers can wait for new lines instead of polling. */
  readonly flushed = new EventEmitter();

  constructor(options: RecorderOptions) {
    this.#options = {
      flushIntervalMs: 100,
      logRetentionLines: 100_000,
      onError: (error) => console.error("nimbus: could not write records:", error),
      prune: (keepLines) => options.logs.pruneLogs(keepLines),
      ...options,
    };
    this.flushed.setMaxListeners(0);
  }

  recordInvocation(record: InvocationRecord): void {
    this.#invocations.push(record);
    this.#schedule();
  }

  recordLog(line: NewLogLine): void {
    this.#lines.push(line);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#invocations.length + this.#lines.length >= MAX_BUFFERED) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#options.flushIntervalMs);
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    const invocations = this.#invocations;
    const lines = this.#lines;
    this.#invocations = [];
    this.#lines = [];
    this.#flushing = this.#flushing.then(async () => {
      if (invocations.length === 0 && lines.length === 0) return;
      try {
        if (invocations.length > 0) await this.#options.invocations.recordInvocations(invocations);
        if (lines.length > 0) await this.#options.logs.appendLogs(lines);
        this.#linesSincePrune += lines.length;
        // Pruning costs a count; do it once per few thousand lines, not per flush.
        if (this.#linesSincePrune >= Math.min(5_000, this.#options.logRetentionLines)) {
          this.#linesSincePrune = 0;
          await this.#options.prune(this.#options.logRetentionLines);
        }
        this.flushed.emit("flushed");
      } catch (error) {
        this.#options.onError(error);
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
