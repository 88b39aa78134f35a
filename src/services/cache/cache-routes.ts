// The cache's part of the platform's HTTP API, under /_nimbus/apps/:app/cache/:key (docs/cache.md).
// Every route declares its action and resource (cache/<key>), so a function's permissions can
// name the keys (or key prefixes: cache/sessions/*) it may use.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import { CACHE_LIMITS, type CacheService, type CacheValue } from "./cache-service.ts";

const jsonValue: z.ZodType<CacheValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);
const params = z.strictObject({ app: z.string().min(1), key: z.string().min(1) });
const ttlMs = z.int().min(1).max(CACHE_LIMITS.maxTtlMs).optional();
const setBody = z.strictObject({ value: jsonValue, ttlMs, ifAbsent: z.boolean().optional() });
const incrementBody = z
  .strictObject({
    by: z
      .int()
      .min(-(2 ** 52))
      .max(2 ** 52)
      .optional(),
    ttlMs,
  })
  .default({});

function keyOf(request: FastifyRequest): string {
  const { app = "", key = "" } = request.params as Record<string, string | undefined>;
  return appResource(app, `cache/${key}`);
}

export function registerCacheRoutes(app: FastifyInstance, prefix: string, cache: CacheService): void {
  const one = `${prefix}/apps/:app/cache/:key`;

  app.get(one, { config: operation("cache:Get", keyOf) }, async (request) => {
    const { app: appName, key } = parseBody(params, request.params, "path");
    return cache.get(appName, key);
  });

  app.put(one, { config: operation("cache:Set", keyOf) }, async (request) => {
    const { app: appName, key } = parseBody(params, request.params, "path");
    const body = parseBody(setBody, request.body, "cache value");
    return cache.set(appName, key, body.value, body);
  });

  app.delete(one, { config: operation("cache:Delete", keyOf) }, async (request) => {
    const { app: appName, key } = parseBody(params, request.params, "path");
    return { deleted: await cache.delete(appName, key) };
  });

  app.post(`${one}/increment`, { config: operation("cache:Increment", keyOf) }, async (request) => {
    const { app: appName, key } = parseBody(params, request.params, "path");
    const body = parseBody(incrementBody, request.body ?? {}, "increment");
    return { value: await cache.increment(appName, key, body.by ?? 1, body.ttlMs) };
  });
}
