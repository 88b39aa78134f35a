// The cache: key/value with TTL, in-process or Redis (see ARCHITECTURE.md, docs/cache.md).
export type { CacheBackend } from "./cache-backend.ts";
export { registerCacheRoutes } from "./cache-routes.ts";
export { CACHE_LIMITS, CacheService, type CacheValue } from "./cache-service.ts";
export { createMemoryCache } from "./memory-cache.ts";
export { createRedisCache, openCache } from "./open-cache.ts";
