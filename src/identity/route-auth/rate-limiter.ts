// Per-key token buckets for usage plans' rateLimit and burst. Kept in memory on each node (a
// cluster of N nodes lets a key through at up to N times its rate; quotas, which are counted in
// the store, are exact). Idle buckets are dropped once they would be full again.
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedMs: number }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Takes one token; when none is left, says how long until one is (ms). */
  take(
    key: string,
    ratePerSecond: number,
    burst: number,
  ): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * ratePerSecond);
    bucket.updatedMs = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 10_000) this.#sweep(now, ratePerSecond, burst);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: ((1 - bucket.tokens) / ratePerSecond) * 1000 };
  }

  #sweep(now: number, ratePerSecond: number, burst: number): void {
    const fullAfterMs = (burst / ratePerSecond) * 1000;
    for (const [key, bucket] of this.#buckets)
      if (now - bucket.updatedMs > fullAfterMs) this.#buckets.delete(key);
  }
}
