// Table change streams: delivers the change records of every table with triggers to its
// functions. One node at a time does it (the "nimbus.table-streams" lease), so a table's records
// reach each function in order; writes wake it through the store's change feed (any node's
// writes, on PostgreSQL), and it also looks every pollIntervalMs. Consumed records are pruned,
// and none is kept longer than the retention (24 h, as DynamoDB Streams).
import { Singleton } from "../../cluster/index.ts";
import type { AppConfig, FunctionConfig } from "../../core/manifest/normalize.ts";
import type { TableTriggerConfig } from "../../core/manifest/table-triggers.ts";
import type { InvocationRequest } from "../../runtime/protocol.ts";
import type { InvocationOutcome } from "../../runtime/types.ts";
import type { ChangeFeed, LeaseStore } from "../../store/ports.ts";
import type { TableChangeStore } from "../../store/table-change-ports.ts";
import type { BackoffPolicy } from "../async/retry-backoff.ts";
import { type StepResult, TableStreamConsumer } from "./table-stream-consumer.ts";

export const TABLE_STREAMS_LEASE = "nimbus.table-streams";
export const TABLE_CHANGES_CHANNEL = "nimbus.table-changes";
export const TABLE_STREAM_RETENTION_MS = 24 * 3_600_000;

/** True when some function of the app is triggered by the table: its writes record changes. */
export function tableHasTriggers(config: AppConfig | undefined, table: string): boolean {
  return Object.values(config?.functions ?? {}).some((fn) =>
    (fn.tableTriggers ?? []).some((trigger) => trigger.table === table),
  );
}

export interface TableStreamsHost {
  /** The apps live on this node, with their active config. */
  liveApps(): Iterable<{ readonly app: string; readonly config: AppConfig }>;
  invoke(
    app: string,
    functionName: string,
    request: InvocationRequest,
    requestId: string,
  ): Promise<InvocationOutcome>;
  sendFailure(app: string, fn: FunctionConfig, record: string): Promise<void>;
}

export interface TableStreamsOptions {
  readonly store: TableChangeStore;
  readonly leases: LeaseStore;
  readonly changes: ChangeFeed;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
  readonly host: TableStreamsHost;
  readonly backoff: BackoffPolicy;
  readonly pollIntervalMs?: number;
  readonly reconcileIntervalMs?: number;
  readonly pruneIntervalMs?: number;
  readonly retentionMs?: number;
  readonly onError: (error: unknown, where: string) => void;
}

interface Running {
  readonly app: string;
  readonly table: string;
  readonly consumer: TableStreamConsumer;
  stopped: boolean;
  /** Set by a wake-up that came while the consumer was not waiting: it looks again at once. */
  woken: boolean;
  wake: (() => void) | undefined;
  loop: Promise<void>;
}

export class TableStreams {
  readonly #options: TableStreamsOptions;
  readonly #singleton: Singleton;
  readonly #running = new Map<string, Running>();
  #timers: NodeJS.Timeout[] = [];
  #unsubscribe: (() => Promise<void>) | undefined;
  #closed = false;

  constructor(options: TableStreamsOptions) {
    this.#options = options;
    this.#singleton = new Singleton({
      leases: options.leases,
      name: TABLE_STREAMS_LEASE,
      holder: options.nodeId,
      ttlMs: options.leaseTtlMs,
      onError: (error) => options.onError(error, "table streams"),
    });
  }

  async start(): Promise<void> {
    this.#closed = false;
    await this.#singleton.start();
    this.#unsubscribe = await this.#options.changes.subscribe(TABLE_CHANGES_CHANNEL, (payload) =>
      this.#wake(payload),
    );
    this.reconcile();
    const every = (ms: number, work: () => void) => {
      const timer = setInterval(work, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.#options.reconcileIntervalMs ?? 500, () => this.reconcile());
    every(this.#options.pruneIntervalMs ?? 10_000, () => void this.prune());
  }

  async stop(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#unsubscribe?.().catch(() => {});
    this.#unsubscribe = undefined;
    const stopping = [...this.#running.values()].map((running) => this.#stopOne(running));
    this.#running.clear();
    await Promise.all(stopping);
    await this.#singleton.stop();
  }

  /** Tells every node's dispatcher that the tables have new records (a hint: it also polls). */
  async announce(app: string, tables: readonly string[]): Promise<void> {
    for (const table of new Set(tables))
      await this.#options.changes.publish(TABLE_CHANGES_CHANNEL, JSON.stringify([app, table]));
  }

  /** Starts consumers for new triggers and stops those of triggers that are gone. */
  reconcile(): void {
    if (this.#closed) return;
    const wanted = new Map<string, { app: string; fn: string; trigger: TableTriggerConfig }>();
    for (const { app, config } of this.#options.host.liveApps())
      for (const fn of Object.values(config.functions))
        for (const trigger of fn.tableTriggers ?? []) {
          // One consumer per function and table (its checkpoint's name); the first trigger wins.
          if (
            ![...wanted.values()].some(
              (w) => w.app === app && w.fn === fn.name && w.trigger.table === trigger.table,
            )
          )
            wanted.set(JSON.stringify([app, fn.name, trigger]), { app, fn: fn.name, trigger });
        }
    for (const [key, running] of this.#running) {
      if (wanted.has(key)) continue;
      this.#running.delete(key);
      void this.#stopOne(running);
    }
    for (const [key, { app, fn, trigger }] of wanted) {
      if (this.#running.has(key)) continue;
      this.#running.set(key, this.#startOne(app, fn, trigger));
    }
  }

  /** Deletes records every consumer of their table is past, and those older than the retention. */
  async prune(): Promise<void> {
    const { store, retentionMs = TABLE_STREAM_RETENTION_MS } = this.#options;
    await this.#singleton.guard(async () => {
      const consumers = new Map<string, { app: string; table: string; ids: string[] }>();
      for (const running of this.#running.values()) {
        const key = JSON.stringify([running.app, running.table]);
        const entry = consumers.get(key) ?? { app: running.app, table: running.table, ids: [] };
        entry.ids.push(running.consumer.consumerId);
        consumers.set(key, entry);
      }
      for (const { app, table, ids } of consumers.values()) {
        const checkpoints = await Promise.all(ids.map((id) => store.changeCheckpoint(app, table, id)));
        await store.pruneChanges(app, table, Math.min(...checkpoints), Date.now() - retentionMs);
        await store.dropChangeCheckpoints(app, table, ids);
      }
    });
  }

  #startOne(app: string, functionName: string, trigger: TableTriggerConfig): Running {
    const { host, store, backoff } = this.#options;
    const consumer = new TableStreamConsumer({
      app,
      functionName,
      trigger,
      store,
      backoff,
      target: {
        current: () => {
          const config = [...host.liveApps()].find((live) => live.app === app)?.config;
          const fn = config?.functions[functionName];
          const table = config?.tables?.[trigger.table];
          return fn && table ? { fn, table } : undefined;
        },
        invoke: (request, requestId) => host.invoke(app, functionName, request, requestId),
        sendFailure: (fn, record) => host.sendFailure(app, fn, record),
      },
    });
    const running: Running = {
      app,
      table: trigger.table,
      consumer,
      stopped: false,
      woken: false,
      wake: undefined,
      loop: Promise.resolve(),
    };
    running.loop = this.#loop(running);
    return running;
  }

  async #loop(running: Running): Promise<void> {
    const pollMs = this.#options.pollIntervalMs ?? 1_000;
    while (!running.stopped) {
      let result: StepResult | undefined;
      running.woken = false;
      if (this.#singleton.holding) result = await this.#singleton.guard(() => running.consumer.step());
      if (result === "delivered") continue;
      if (running.woken && result === "idle") {
        running.woken = false;
        continue;
      }
      const waitMs = typeof result === "object" ? Math.max(0, result.retryAtMs - Date.now()) : pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          running.wake = undefined;
          resolve();
        }
        running.wake = done;
      });
    }
  }

  async #stopOne(running: Running): Promise<void> {
    running.stopped = true;
    running.wake?.();
    await running.loop;
  }

  #wake(payload: string): void {
    let target: unknown;
    try {
      target = JSON.parse(payload);
    } catch {
      return;
    }
    if (!Array.isArray(target)) return;
    for (const running of this.#running.values())
      if (running.app === target[0] && running.table === target[1]) {
        running.woken = true;
        running.wake?.();
      }
  }
}
