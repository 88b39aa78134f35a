// The persistence port of schedules (src/services/schedules/): per schedule, the last fire time
// that was handled (fired or skipped) and the anchor rate schedules tick from. Whoever holds the
// schedules lease reads and advances it; the fires themselves are deduplicated by their
// idempotency keys, so a failover never fires one time twice.

export interface ScheduleState {
  readonly app: string;
  readonly name: string;
  /** Epoch ms: rate schedules fire at anchor + n × rate. */
  readonly anchorAt: number;
  /** The latest fire time handled; fires at or before it never happen again. */
  readonly lastFireAt: number;
}

export interface ScheduleStore {
  /** The schedule's state, created with anchor = last = `nowMs` when it has none. */
  ensureState(app: string, name: string, nowMs: number): Promise<ScheduleState>;
  /** Advances lastFireAt to `fireAt` (never backwards). */
  recordFire(app: string, name: string, fireAt: number): Promise<void>;
  listStates(app: string): Promise<ScheduleState[]>;
}
