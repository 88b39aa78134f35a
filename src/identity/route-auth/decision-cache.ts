// Decisions of authorizer functions, reused for the same identity for a while (the route's
// cacheTtl), as API Gateway caches Lambda authorizer results. Bounded: the oldest entries go first.
const MAX_ENTRIES = 10_000;

export interface CachedDecision {
  readonly isAuthorized: boolean;
  readonly context: Readonly<Record<string, unknown>>;
}

export class DecisionCache {
  readonly #entries = new Map<string, { decision: CachedDecision; expiresAt: number }>();

  get(key: string): CachedDecision | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.decision;
  }

  set(key: string, decision: CachedDecision, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { decision, expiresAt: Date.now() + ttlMs });
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
