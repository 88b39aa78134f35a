// Runs one QueueConsumer per queue trigger of every app live on this node, and keeps that set
// in step with deploys: it re-reads the live apps every reconcileIntervalMs (a deploy here or
// on another node becomes live through the deployer, which this follows without a hook).

import { newRequestId } from "../../core/ids.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import type { InvocationRequest } from "../../runtime/protocol.ts";
import type { InvocationOutcome } from "../../runtime/types.ts";
import type { QueueStore } from "../../store/queue-ports.ts";
import { QueueConsumer } from "./queue-consumer.ts";
import type { QueueService } from "./queue-service.ts";
import type { QueueWakeups } from "./queue-wakeups.ts";

export interface QueueTriggerHost {
  /** The apps live on this node, with their active config. */
  liveApps(): Iterable<{ readonly app: string; readonly config: AppConfig }>;
  /**
   * Calls a function of the app's current version, at the trigger's alias or version when it
   * names one (resolved per call); rejects when throttled or gone.
   */
  invoke(
    app: string,
    functionName: string,
    request: InvocationRequest,
    requestId: string,
    qualifier?: string,
  ): Promise<InvocationOutcome>;
}

export interface QueueConsumersOptions {
  readonly host: QueueTriggerHost;
  readonly service: QueueService;
  readonly store: QueueStore;
  readonly wakeups: QueueWakeups;
  readonly reconcileIntervalMs: number;
  readonly onError: (error: unknown, where: string) => void;
}

export class QueueConsumers {
  readonly #options: QueueConsumersOptions;
  readonly #running = new Map<string, QueueConsumer>();
  #timer: NodeJS.Timeout | undefined;
  #reconciling: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: QueueConsumersOptions) {
    this.#options = options;
  }

  start(): void {
    this.reconcile();
    this.#timer = setInterval(() => this.reconcile(), this.#options.reconcileIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#reconciling;
    const stopping = [...this.#running.values()].map((consumer) => consumer.stop());
    this.#running.clear();
    await Promise.all(stopping);
  }

  /** Starts consumers for new triggers and stops those of triggers that are gone. */
  reconcile(): void {
    this.#reconciling = this.#reconciling
      .then(() => this.#reconcileNow())
      .catch((error: unknown) => this.#options.onError(error, "reconcile"));
  }

  async #reconcileNow(): Promise<void> {
    if (this.#closed) return;
    const wanted = new Map<string, () => QueueConsumer>();
    for (const { app, config } of this.#options.host.liveApps()) {
      for (const fn of Object.values(config.functions)) {
        for (const trigger of fn.queueTriggers ?? []) {
          const key = JSON.stringify([app, fn.name, trigger]);
          wanted.set(key, () => this.#consumer(app, fn.name, trigger));
        }
      }
    }
    const stopping: Promise<void>[] = [];
    for (const [key, consumer] of this.#running) {
      if (wanted.has(key)) continue;
      this.#running.delete(key);
      stopping.push(consumer.stop());
    }
    for (const [key, create] of wanted) {
      if (this.#running.has(key)) continue;
      const consumer = create();
      this.#running.set(key, consumer);
      consumer.start();
    }
    await Promise.all(stopping);
  }

  #consumer(
    app: string,
    functionName: string,
    trigger: NonNullable<AppConfig["functions"][string]["queueTriggers"]>[number],
  ): QueueConsumer {
    const { host, service, store, wakeups, onError } = this.#options;
    return new QueueConsumer({
      app,
      functionName,
      trigger,
      store,
      wakeups,
      receiveOptions: (batchSize) => service.consumerReceive(app, trigger.queue, batchSize),
      invoke: async (request) => {
        const outcome = await host.invoke(app, functionName, request, newRequestId(), trigger.qualifier);
        return { response: outcome.response, failed: outcome.status === "error" };
      },
      onError: (error) => onError(error, `queue ${trigger.queue} → ${app}/${functionName}`),
    });
  }
}
