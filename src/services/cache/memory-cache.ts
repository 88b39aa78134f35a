// The default cache: in this process's memory, so it is per node and lost on restart. Expiry is
// checked on read and swept from time to time, so an expired key never answers.
import { NimbusError } from "../../core/errors.ts";
import type { CacheBackend } from "./cache-backend.ts";

interface Entry {
  value: string;
  /** Date.now() after which the entry is gone; Infinity for none. */
  expiresAtMs: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export function createMemoryCache(options: { maxEntries: number; nowMs?: () => number }): CacheBackend {
  const now = options.nowMs ?? Date.now;
  const entries = new Map<string, Entry>();
  const sweep = setInterval(() => {
    const at = now();
    for (const [key, entry] of entries) if (entry.expiresAtMs <= at) entries.delete(key);
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAtMs <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function store(key: string, value: string, ttlMs: number | undefined): void {
    entries.delete(key);
    // Map order is insertion order: the oldest write goes first when the cache is full.
    if (entries.size >= options.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(key, { value, expiresAtMs: ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + ttlMs });
  }

  return {
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, ttlMs) {
      store(key, value, ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      const existing = live(key);
      if (existing) return { value: existing.value, stored: false };
      store(key, value, ttlMs);
      return { value, stored: true };
    },
    async delete(key) {
      const existed = live(key) !== undefined;
      entries.delete(key);
      return existed;
    },
    async increment(key, by, ttlMs) {
      const existing = live(key);
      const current = existing === undefined ? 0 : Number(existing.value);
      if (!Number.isSafeInteger(current))
        throw new NimbusError(
          "CACHE_VALUE_NOT_NUMBER",
          `The cache value of "${key.split(":").slice(1).join(":")}" is not an integer`,
        );
      const next = current + by;
      // Synchronous read-modify-write: no await between, so concurrent increments never interleave.
      if (existing) existing.value = String(next);
      else store(key, String(next), ttlMs);
      return next;
    },
    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
