// The instances of one function version and the calls waiting for them. It decides where
// a call runs, when to start an instance (only as many as the waiting calls need, up to
// concurrency.max), when a call must wait (FIFO, bounded by concurrency.queue) or be
// refused (429), and when an idle instance goes (after keepWarm, never below min).
// Instances report back through InstanceListener; everything here is event driven, no
// timer runs while the pool is idle except the one keepWarm deadline.
import { NimbusError, toNimbusError } from "../core/errors.ts";
import type { Instance, InstanceListener } from "./instance.ts";
import { PendingCall } from "./pending-call.ts";
import type { InvocationRequest } from "./protocol.ts";
import type { FunctionDeployment, InvocationOutcome, InvokeOptions, RuntimeEvents } from "./types.ts";

/** An instance that dies this soon after starting, without a successful call, counts as a failed start. */
const FAILED_START_WINDOW_MS = 1_000;
const RESTART_BACKOFF_MS = 50;
const RESTART_BACKOFF_MAX_MS = 10_000;

/** What a pool needs from the runtime that owns it. */
export interface PoolHost {
  readonly events: RuntimeEvents;
  /** Takes a stem cell and specialises it for `deployment`; rejects with a NimbusError. */
  startInstance(deployment: FunctionDeployment, listener: InstanceListener): Promise<Instance>;
}

export interface PoolStats {
  readonly instances: number;
  readonly busy: number;
  readonly idle: number;
  readonly starting: number;
  readonly queued: number;
}

type PoolState = "active" | "retiring" | "stopped";

export class FunctionPool {
  readonly deployment: FunctionDeployment;
  readonly #host: PoolHost;
  readonly #concurrency: FunctionDeployment["config"]["concurrency"];
  readonly #keepWarmMs: number;
  readonly #instances = new Set<Instance>();
  /** Instances with a free slot; the most recently used last, so the others go idle and are reaped. */
  readonly #free: Instance[] = [];
  readonly #queue: PendingCall[] = [];
  readonly #stopped = Promise.withResolvers<void>();
  readonly #listener: InstanceListener = {
    callSettled: (instance) => this.#onCallSettled(instance),
    instanceLost: (instance) => this.#onInstanceLost(instance),
  };
  #state: PoolState = "active";
  #starting = 0;
  #reapTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartNotBeforeMs = 0;
  #failedStartsInARow = 0;

  constructor(deployment: FunctionDeployment, host: PoolHost) {
    this.deployment = deployment;
    this.#host = host;
    this.#concurrency = deployment.config.concurrency;
    this.#keepWarmMs = deployment.config.keepWarmMs;
  }

  invoke(request: InvocationRequest, options: InvokeOptions): Promise<InvocationOutcome> {
    if (this.#state !== "active") return Promise.reject(this.#unavailable());
    const instance = this.#queue.length === 0 ? this.#takeSlot() : undefined;
    if (instance === undefined && this.#queueIsFull()) {
      return Promise.reject(
        new NimbusError(
          "TOO_MANY_REQUESTS",
          `Function "${this.deployment.config.name}" is at its concurrency limit and its queue is full`,
          { headers: { "retry-after": "1" } },
        ),
      );
    }
    const call = new PendingCall(options.requestId, request);
    if (options.acceptStream === true) call.acceptsStream = true;
    if (instance !== undefined) instance.dispatch(call);
    else {
      this.#queue.push(call);
      this.#scale();
    }
    return call.promise;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const instance of this.#instances) if (instance.inFlightCount > 0) busy++;
    return {
      instances: this.#instances.size,
      busy,
      idle: this.#instances.size - busy,
      starting: this.#starting,
      queued: this.#queue.length,
    };
  }

  /**
   * Starts the first instances: concurrency.min of them, or one when min is 0, so that a
   * deploy only goes live with code that loads. Rejects (and leaves nothing running) otherwise.
   */
  async warm(): Promise<void> {
    const count = Math.max(this.#concurrency.min, 1);
    this.#starting += count;
    const starts = Array.from({ length: count }, () =>
      this.#host.startInstance(this.deployment, this.#listener),
    );
    const results = await Promise.allSettled(starts);
    this.#starting -= count;
    const started = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined || this.#state === "stopped") {
      this.#state = "stopped";
      for (const instance of started) instance.kill("init-failed");
      await Promise.all(started.map((instance) => instance.exited));
      this.#stopped.resolve();
      throw failure === undefined ? this.#unavailable() : toNimbusError(failure.reason);
    }
    for (const instance of started) this.#addInstance(instance);
    this.#scale();
  }

  /** No new calls; queued and in-flight calls finish, then the instances stop. */
  retire(): Promise<void> {
    if (this.#state === "active") {
      this.#state = "retiring";
      clearTimeout(this.#reapTimer);
      clearTimeout(this.#restartTimer);
    }
    this.#finishRetireIfDone();
    return this.#stopped.promise;
  }

  /** The runtime is stopping and kills every process itself: refuse what waits, stop deciding. */
  shutdown(): void {
    this.#state = "stopped";
    clearTimeout(this.#reapTimer);
    clearTimeout(this.#restartTimer);
    for (const call of this.#queue.splice(0)) call.reject(this.#unavailable());
    this.#free.length = 0;
    const exits = [...this.#instances].map((instance) => instance.exited);
    this.#instances.clear();
    void Promise.all(exits).then(() => this.#stopped.resolve());
  }

  #unavailable(): NimbusError {
    const { name } = this.deployment.config;
    return new NimbusError(
      "PLATFORM_UNAVAILABLE",
      `Function "${name}" version ${this.deployment.version} is no longer serving calls`,
    );
  }

  #takeSlot(): Instance | undefined {
    const free = this.#free;
    const last = free.length - 1;
    if (last < 0) return undefined;
    const instance = free[last] as Instance;
    if (instance.inFlightCount + 1 >= this.#concurrency.perInstance) free.pop();
    return instance;
  }

  /** Waiting calls that no starting instance will take count against concurrency.queue. */
  #queueIsFull(): boolean {
    const { max, perInstance, queue } = this.#concurrency;
    if (this.#instances.size + this.#starting < max) return false;
    return this.#queue.length - this.#starting * perInstance >= queue;
  }

  /** Starts what the waiting calls need (and what min requires), within concurrency.max. */
  #scale(): void {
    if (this.#state === "stopped") return;
    const { min, max, perInstance } = this.#concurrency;
    const total = this.#instances.size + this.#starting;
    let wanted = Math.ceil(this.#queue.length / perInstance) - this.#starting;
    if (this.#state === "active" && total < min) {
      if (performance.now() >= this.#restartNotBeforeMs) wanted = Math.max(wanted, min - total);
      else this.#scheduleRestart();
    }
    const count = Math.min(wanted, max - total);
    for (let started = 0; started < count; started++) void this.#startInstance();
  }

  async #startInstance(): Promise<void> {
    this.#starting++;
    let instance: Instance;
    try {
      instance = await this.#host.startInstance(this.deployment, this.#listener);
    } catch (error) {
      this.#starting--;
      this.#onStartFailed(toNimbusError(error));
      return;
    }
    this.#starting--;
    if (this.#state === "stopped" || !instance.accepting) {
      instance.kill("idle");
      this.#scale();
      return;
    }
    this.#addInstance(instance);
  }

  #addInstance(instance: Instance): void {
    if (!instance.accepting) return; // died between specialising and now; instanceLost was a no-op
    this.#instances.add(instance);
    const { perInstance } = this.#concurrency;
    while (this.#queue.length > 0 && instance.inFlightCount < perInstance) {
      instance.dispatch(this.#queue.shift() as PendingCall);
    }
    if (instance.inFlightCount < perInstance) this.#free.push(instance);
    if (instance.inFlightCount === 0) this.#armReaper();
    this.#finishRetireIfDone();
  }

  /** The calls this start was for fail with its error; the rest keep waiting for other instances. */
  #onStartFailed(error: NimbusError): void {
    this.#noteFailedStart();
    const { perInstance } = this.#concurrency;
    let toFail = Math.min(perInstance, this.#queue.length - this.#starting * perInstance);
    for (; toFail > 0; toFail--) {
      const call = this.#queue.shift() as PendingCall;
      call.cold = true;
      const outcome = call.outcome(this.deployment, {
        maxRssKb: undefined,
        errorCode: error.code,
        errorMessage: error.message,
        response: undefined,
      });
      this.#host.events.onLog({
        timestamp: Date.now(),
        app: this.deployment.app,
        functionName: this.deployment.config.name,
        version: this.deployment.version,
        requestId: call.requestId,
        stream: "stderr",
        level: "error",
        message: error.message,
      });
      call.resolve(outcome);
      this.#host.events.onInvocation(outcome);
    }
    this.#scale();
    this.#finishRetireIfDone();
  }

  #onCallSettled(instance: Instance): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      instance.dispatch(next); // FIFO: the freed slot goes to the oldest waiting call
      return;
    }
    const inFlight = instance.inFlightCount;
    if (inFlight === this.#concurrency.perInstance - 1) this.#free.push(instance); // was full
    if (inFlight === 0) {
      if (instance.succeededCalls > 0) this.#failedStartsInARow = 0;
      if (this.#state === "active") this.#armReaper();
      else this.#finishRetireIfDone();
    }
  }

  #onInstanceLost(instance: Instance): void {
    if (!this.#instances.delete(instance)) return;
    const index = this.#free.indexOf(instance);
    if (index !== -1) this.#free.splice(index, 1);
    const youngMs = performance.now() - instance.specializedAtMs;
    if (instance.succeededCalls === 0 && youngMs < FAILED_START_WINDOW_MS) this.#noteFailedStart();
    this.#scale();
    this.#finishRetireIfDone();
  }

  /** Keeps a function that dies as it starts from being restarted in a tight loop to honour min. */
  #noteFailedStart(): void {
    const delayMs = Math.min(RESTART_BACKOFF_MS * 2 ** this.#failedStartsInARow, RESTART_BACKOFF_MAX_MS);
    this.#failedStartsInARow++;
    this.#restartNotBeforeMs = performance.now() + delayMs;
  }

  #scheduleRestart(): void {
    if (this.#restartTimer !== undefined) return;
    const delayMs = Math.max(0, this.#restartNotBeforeMs - performance.now());
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#scale();
    }, delayMs).unref();
  }

  #armReaper(): void {
    if (this.#reapTimer !== undefined || this.#state !== "active") return;
    if (this.#instances.size <= this.#concurrency.min) return;
    this.#reapTimer = setTimeout(() => this.#reap(), this.#keepWarmMs).unref();
  }

  /** Stops instances idle for keepWarm, least recently used first, down to min. */
  #reap(): void {
    this.#reapTimer = undefined;
    if (this.#state !== "active") return;
    const now = performance.now();
    let excess = this.#instances.size - this.#concurrency.min;
    let nextDueMs = Number.POSITIVE_INFINITY;
    for (const instance of [...this.#free]) {
      if (excess <= 0) break;
      if (instance.inFlightCount > 0) continue;
      const dueMs = instance.idleSinceMs + this.#keepWarmMs;
      if (dueMs > now + 1) {
        nextDueMs = Math.min(nextDueMs, dueMs);
        continue;
      }
      this.#free.splice(this.#free.indexOf(instance), 1);
      this.#instances.delete(instance);
      instance.kill("idle");
      excess--;
    }
    if (excess > 0 && nextDueMs !== Number.POSITIVE_INFINITY) {
      this.#reapTimer = setTimeout(() => this.#reap(), nextDueMs - now).unref();
    }
  }

  #finishRetireIfDone(): void {
    if (this.#state !== "retiring" || this.#queue.length > 0 || this.#starting > 0) return;
    for (const instance of this.#instances) if (instance.inFlightCount > 0) return;
    this.#state = "stopped";
    const instances = [...this.#instances];
    this.#instances.clear();
    this.#free.length = 0;
    for (const instance of instances) instance.kill("idle");
    void Promise.all(instances.map((instance) => instance.exited)).then(() => this.#stopped.resolve());
  }
}
