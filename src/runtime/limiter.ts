// At most N tasks at once; the others wait in arrival order. Used to bound how many pools
// warm at the same time (each warm-up spawns and specialises processes).
export class Limiter {
  readonly #max: number;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(max: number) {
    this.#max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#waiting.push(resolve);
      await promise;
    } else this.#running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so #running stays counted for it.
      const next = this.#waiting.shift();
      if (next === undefined) this.#running--;
      else next();
    }
  }
}
