// Picks the cache backend from configuration: a redis:// or rediss:// URL selects Redis,
// nothing selects the in-process cache. A wrong URL is refused at start.
import { NimbusError } from "../../core/errors.ts";
import type { CacheBackend } from "./cache-backend.ts";
import { createMemoryCache } from "./memory-cache.ts";

export const MEMORY_CACHE_MAX_ENTRIES = 100_000;

export async function openCache(url: string | undefined): Promise<CacheBackend> {
  if (url === undefined || url === "") return createMemoryCache({ maxEntries: MEMORY_CACHE_MAX_ENTRIES });
  if (!/^rediss?:\/\//.test(url))
    throw new NimbusError(
      "CACHE_UNAVAILABLE",
      "The cache URL must be redis://host:port (or rediss://); leave it empty for the in-process cache",
    );
  return createRedisCache(url);
}

/**
 * The Redis client (~600 modules, ~25 MB and ~200 ms to load) is imported only when a Redis
 * URL is configured, so a server that does not use it neither starts slower nor holds it.
 */
export async function createRedisCache(url: string): Promise<CacheBackend> {
  const { createRedisCache: create } = await import("./redis-cache.ts");
  return create(url);
}
