// Work that exactly one node of a cluster may do at a time (log pruning today; schedule
// firing, workflow timers, TTL sweeps and retries later) runs under a named lease with a
// fencing token. A Singleton acquires the lease, renews it every ttl/3, stops acting the
// moment a renewal fails or its local deadline passes, checks the fence before every guarded
// action, and releases the lease on a graceful stop so another node takes over at once.
import type { Lease, LeaseStore } from "../store/ports.ts";

export interface SingletonTask {
  /** How often `run` is called while this node holds the lease. */
  readonly everyMs: number;
  /** Runs after a fence check; another node cannot hold the lease with a greater token meanwhile. */
  run(lease: Lease): Promise<void>;
}

export interface SingletonOptions {
  readonly leases: LeaseStore;
  /** The lease's name: one per kind of singleton work ("nimbus.log-retention"). */
  readonly name: string;
  /** This node's id. */
  readonly holder: string;
  /** A node that stops renewing (killed, paused, cut off) loses the lease after this long. */
  readonly ttlMs: number;
  readonly task?: SingletonTask;
  readonly onError?: (error: unknown) => void;
}

export class Singleton {
  readonly #options: SingletonOptions;
  #lease: Lease | undefined;
  /** performance.now() after which this node stops acting, even if no renewal has answered. */
  #actUntil = 0;
  #stopped = false;
  #cycleTimer: NodeJS.Timeout | undefined;
  #taskTimer: NodeJS.Timeout | undefined;
  #cycle: Promise<void> = Promise.resolve();
  readonly #actions = new Set<Promise<unknown>>();

  constructor(options: SingletonOptions) {
    this.#options = options;
  }

  get name(): string {
    return this.#options.name;
  }

  /** The grant this node holds and may still act on, if any. */
  get lease(): Lease | undefined {
    return this.#lease !== undefined && performance.now() < this.#actUntil ? this.#lease : undefined;
  }

  get holding(): boolean {
    return this.lease !== undefined;
  }

  /** Tries to take the lease once (so a lone node holds it when start resolves), then keeps trying. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#cycle = this.#step();
    await this.#cycle;
    const { task } = this.#options;
    if (task) {
      this.#taskTimer = setInterval(() => void this.guard((lease) => task.run(lease)), task.everyMs);
      this.#taskTimer.unref();
    }
  }

  /**
   * Runs `action` only if this node holds the lease and the store confirms its token is still
   * the current grant. Resolves to undefined, without running it, otherwise.
   */
  async guard<T>(action: (lease: Lease) => Promise<T>): Promise<T | undefined> {
    const lease = this.lease;
    if (lease === undefined || this.#stopped) return undefined;
    const running = (async () => {
      if (!(await this.#options.leases.checkFence(lease.name, lease.token))) {
        this.#drop(lease);
        return undefined;
      }
      return action(lease);
    })();
    this.#actions.add(running);
    try {
      return await running;
    } catch (error) {
      this.#options.onError?.(error);
      return undefined;
    } finally {
      this.#actions.delete(running);
    }
  }

  /** Stops renewing, waits for guarded actions under way, and releases the lease. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#cycleTimer);
    clearInterval(this.#taskTimer);
    await this.#cycle;
    await Promise.allSettled([...this.#actions]);
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) await this.#options.leases.release(lease).catch((error) => this.#options.onError?.(error));
  }

  async #step(): Promise<void> {
    const { leases, name, holder, ttlMs } = this.#options;
    const sentAt = performance.now();
    try {
      const held = this.#lease;
      const granted = held ? await leases.renew(held, ttlMs) : await leases.acquire(name, holder, ttlMs);
      if (granted) {
        this.#lease = granted;
        // The store set the expiry from its own clock when it answered, which was after we
        // asked: counting from the moment we asked keeps us on the safe side of it.
        this.#actUntil = sentAt + ttlMs - Math.min(1_000, ttlMs / 10);
      } else if (held) {
        this.#drop(held);
      }
    } catch (error) {
      // Unsure whether the renewal happened: stop acting now; acquire decides next time.
      if (this.#lease) this.#drop(this.#lease);
      this.#options.onError?.(error);
    }
    if (this.#stopped) return;
    this.#cycleTimer = setTimeout(() => {
      this.#cycle = this.#step();
    }, ttlMs / 3);
    this.#cycleTimer.unref();
  }

  #drop(lease: Lease): void {
    if (this.#lease === lease || this.#lease?.token === lease.token) this.#lease = undefined;
  }
}
