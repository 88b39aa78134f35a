// The app's cache from function code, with this function's rights: its permissions must allow
// cache:Get / cache:Set / cache:Delete / cache:Increment on "cache/<key>" (prefixes: cache/sessions/*).
import { currentApp, platformRequest } from "./platform-client.ts";

export type CacheValue = null | boolean | number | string | CacheValue[] | { [name: string]: CacheValue };

function path(key: string, rest = ""): string {
  return `/apps/${encodeURIComponent(currentApp())}/cache/${encodeURIComponent(key)}${rest}`;
}

export const cache = {
  /** The value, or undefined when the key is absent or expired. */
  async get<T extends CacheValue = CacheValue>(key: string): Promise<T | undefined> {
    const answer = await platformRequest<{ found: boolean; value: T }>("GET", path(key));
    return answer.found ? answer.value : undefined;
  },

  async set(key: string, value: CacheValue, options: { ttlMs?: number } = {}): Promise<void> {
    await platformRequest("PUT", path(key), { value, ...options });
  },

  /** True when something was deleted. */
  async delete(key: string): Promise<boolean> {
    return (await platformRequest<{ deleted: boolean }>("DELETE", path(key))).deleted;
  },

  /** Adds `by` (default 1) atomically; an absent key counts as 0 and then gets `ttlMs`. */
  async increment(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    return (await platformRequest<{ value: number }>("POST", path(key, "/increment"), { by, ...options }))
      .value;
  },

  /**
   * The cached value, or else `compute()`'s, stored for `ttlMs`. When two callers race, the first
   * value stored wins and both get it.
   */
  async getOrSet<T extends CacheValue>(
    key: string,
    compute: () => T | Promise<T>,
    options: { ttlMs?: number } = {},
  ): Promise<T> {
    const cached = await cache.get<T>(key);
    if (cached !== undefined) return cached;
    const value = await compute();
    const answer = await platformRequest<{ value: T }>("PUT", path(key), {
      value,
      ifAbsent: true,
      ...options,
    });
    return answer.value;
  },
};
