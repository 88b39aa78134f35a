// Fires the schedules of every live app. Exactly one node fires (the holder of the
// "nimbus.schedules" lease, through the cluster's Singleton), and each fire carries an
// idempotency key made of the schedule and its fire time, so even a failover in the middle of a
// fire (the old holder fired, the new one fires again) delivers it once. The store remembers the
// last fire time handled per schedule; times missed while no node was running are skipped or
// fired once (the latest), as the schedule's missedFires says.
import { Singleton } from "../../cluster/index.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import {
  nextFireAfter,
  type ScheduleConfig,
  type ScheduleExpression,
} from "../../core/manifest/schedules.ts";
import type { LeaseStore } from "../../store/ports.ts";
import type { ScheduleStore } from "../../store/schedule-ports.ts";

export const SCHEDULES_LEASE = "nimbus.schedules";
/** How often the lease holder looks for due fires. */
export const SCHEDULER_TICK_MS = 200;
/** A fire found due within this long of its time is on time; older ones were missed. */
const ON_TIME_MS = 5_000;
/** Cron schedules: look at most this many missed times back (only the latest matters). */
const MAX_MISSED_STEPS = 100_000;

export interface SchedulerOptions {
  readonly leases: LeaseStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly store: ScheduleStore;
  readonly liveApps: () => Iterable<{ readonly app: string; readonly config: AppConfig }>;
  /** Delivers one fire; must be idempotent for (app, schedule, fireAt). */
  readonly fire: (app: string, schedule: ScheduleConfig, fireAt: number) => Promise<void>;
  readonly onError: (error: unknown) => void;
}

/** The latest fire time in (after, now], and how many there were; undefined when none is due. */
export function dueFires(
  expression: ScheduleExpression,
  afterMs: number,
  anchorMs: number,
  nowMs: number,
): { readonly first: number; readonly latest: number; readonly count: number } | undefined {
  const first = nextFireAfter(expression, afterMs, anchorMs);
  if (first === undefined || first > nowMs) return undefined;
  if (expression.kind === "rate") {
    const latest = anchorMs + Math.floor((nowMs - anchorMs) / expression.everyMs) * expression.everyMs;
    return { first, latest, count: Math.round((latest - first) / expression.everyMs) + 1 };
  }
  let latest = first;
  let count = 1;
  while (count < MAX_MISSED_STEPS) {
    const next = nextFireAfter(expression, latest, anchorMs);
    if (next === undefined || next > nowMs) break;
    latest = next;
    count++;
  }
  return { first, latest, count };
}

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #singleton: Singleton;
  #ticking = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#singleton = new Singleton({
      leases: options.leases,
      name: SCHEDULES_LEASE,
      holder: options.nodeId,
      ttlMs: options.ttlMs,
      task: { everyMs: SCHEDULER_TICK_MS, run: () => this.#tick() },
      onError: options.onError,
    });
  }

  start(): Promise<void> {
    return this.#singleton.start();
  }

  /** Hands the lease back, so another node takes the schedules over at once. */
  stop(): Promise<void> {
    return this.#singleton.stop();
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return; // a slow tick is not overlapped by the next
    this.#ticking = true;
    try {
      for (const { app, config } of this.#options.liveApps()) {
        for (const schedule of Object.values(config.schedules ?? {})) {
          await this.#handle(app, schedule).catch((error: unknown) => this.#options.onError(error));
        }
      }
    } finally {
      this.#ticking = false;
    }
  }

  async #handle(app: string, schedule: ScheduleConfig): Promise<void> {
    const now = Date.now();
    const state = await this.#options.store.ensureState(app, schedule.name, now);
    const due = dueFires(schedule.expression, state.lastFireAt, state.anchorAt, now);
    if (!due) return;
    const onTime = due.count === 1 && now - due.first <= ON_TIME_MS;
    if (onTime || schedule.missedFires === "fireOnce") await this.#options.fire(app, schedule, due.latest);
    await this.#options.store.recordFire(app, schedule.name, due.latest);
  }
}
