// Builders shared by the gateway tests (test-only).
import type { AppConfig, FunctionConfig } from "../core/manifest/normalize.ts";
import { parseRouteKey, type RouteSpec } from "../core/manifest/routes.ts";

/** An app whose functions declare the given route keys. */
export function appWithRoutes(routesByFunction: Record<string, string[]>): AppConfig {
  const functions: Record<string, FunctionConfig> = {};
  for (const [name, keys] of Object.entries(routesByFunction)) {
    functions[name] = {
      name,
      handler: { file: "src/index", exportName: "handler" },
      runtime: "node",
      memoryMb: 128,
      timeoutMs: 3000,
      env: {},
      concurrency: { min: 0, max: 1, perInstance: 1, queue: 0 },
      keepWarmMs: 60_000,
      routes: keys.map((key) => parseRouteKey(key) as RouteSpec),
    } as FunctionConfig;
  }
  return { app: "shop", cors: undefined, functions };
}
