// Callers waiting for their operation's result. The node that commits an operation wakes its
// own waiters at once; a waiter whose operation another node runs (a cluster) finds the
// result by re-reading the store every POLL_MS.
const POLL_MS = 250;

export class EntityWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  static id(ref: { app: string; entity: string; key: string }, operationId: string): string {
    return JSON.stringify([ref.app, ref.entity, ref.key, operationId]);
  }

  /** Resolves at the next wake of `id`, or after POLL_MS; register before reading the store. */
  next(id: string): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(id) ?? new Set();
      this.#waiting.set(id, waiters);
      const timer = setTimeout(done, POLL_MS);
      const waiting = this.#waiting;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && waiting.get(id) === waiters) waiting.delete(id);
        resolve();
      }
      waiters.add(done);
    });
  }

  wake(id: string): void {
    for (const done of [...(this.#waiting.get(id) ?? [])]) done();
  }
}
