// Wake-ups for long polls and queue consumers: a send announces "<app>/<queue>" on the change
// feed (every node hears it on PostgreSQL), and whoever waits on that queue looks again at once.
// Notifications are hints (at most once): waiters also re-check on a timer, so a lost one only
// delays a receive, never loses a message.
import type { ChangeFeed } from "../../store/ports.ts";
import type { QueueRef } from "../../store/queue-ports.ts";
import { QUEUE_WAKE_CHANNEL } from "./queue-limits.ts";

function keyOf(ref: QueueRef): string {
  return `${ref.app}/${ref.queue}`;
}

export class QueueWakeups {
  readonly #changes: ChangeFeed;
  readonly #waiters = new Map<string, Set<() => void>>();
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(changes: ChangeFeed) {
    this.#changes = changes;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#changes.subscribe(QUEUE_WAKE_CHANNEL, (key) => this.#wake(key));
  }

  /** Releases every waiter; later waits return at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const key of [...this.#waiters.keys()]) this.#wake(key);
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Tells every node that the queue has new messages. */
  async announce(ref: QueueRef): Promise<void> {
    // Local waiters at once; the feed reaches the other nodes (and, in SQLite, us again: harmless).
    this.#wake(keyOf(ref));
    await this.#changes.publish(QUEUE_WAKE_CHANNEL, keyOf(ref)).catch(() => undefined);
  }

  /** Resolves on the queue's next wake-up, or after `timeoutMs`, whichever comes first. */
  wait(ref: QueueRef, timeoutMs: number): Promise<void> {
    if (this.#stopped || timeoutMs <= 0) return Promise.resolve();
    const key = keyOf(ref);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  #wake(key: string): void {
    for (const done of [...(this.#waiters.get(key) ?? [])]) done();
  }
}
