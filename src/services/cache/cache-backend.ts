// The one interface every cache backend implements (in-process, Redis). Values are JSON text;
// keys arrive already namespaced by app (cache-keys.ts), so a backend never mixes two apps.

export interface CacheBackend {
  /** The stored JSON text, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores the value; ttlMs undefined keeps it until deleted. */
  set(key: string, value: string, ttlMs: number | undefined): Promise<void>;
  /** Stores the value only when the key is absent; returns what the key holds afterwards. */
  setIfAbsent(
    key: string,
    value: string,
    ttlMs: number | undefined,
  ): Promise<{ value: string; stored: boolean }>;
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds `by` to an integer value atomically (an absent key counts as 0, and then gets ttlMs);
   * CACHE_VALUE_NOT_NUMBER when the value is not an integer.
   */
  increment(key: string, by: number, ttlMs: number | undefined): Promise<number>;
  close(): Promise<void>;
}
