// CORS as API Gateway HTTP APIs do it: when an app configures CORS, the gateway answers
// preflight requests itself and owns the CORS headers of every response (any the function
// sets are dropped, as AWS ignores backend CORS headers once CORS is configured).
// A configuration is compiled once (cached by identity: configs are frozen) into the header
// lists to send, so a request only matches its Origin and copies prepared arrays.
import type { CorsConfig } from "../core/manifest/normalize.ts";

export interface CorsPolicy {
  /** Answers the Access-Control-Allow-Origin value for an Origin, or undefined when it is not allowed. */
  allowOrigin(origin: string): string | undefined;
  /** Flat [name, value, ...] pairs for a preflight answer, without the allow-origin header. */
  readonly preflightHeaders: readonly string[];
  /** Flat pairs for actual responses to an allowed origin, without the allow-origin header. */
  readonly responseHeaders: readonly string[];
}

const policies = new WeakMap<CorsConfig, CorsPolicy>();

export function corsPolicyFor(config: CorsConfig | undefined): CorsPolicy | undefined {
  if (config === undefined) return undefined;
  let policy = policies.get(config);
  if (policy === undefined) {
    policy = compileCorsPolicy(config);
    policies.set(config, policy);
  }
  return policy;
}

export function compileCorsPolicy(config: CorsConfig): CorsPolicy {
  const anyOrigin = config.allowOrigins.includes("*");
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const origin of config.allowOrigins) {
    if (origin === "*") continue;
    if (origin.includes("*")) patterns.push(originPattern(origin));
    else exact.add(origin.toLowerCase());
  }
  // With credentials the browser refuses "*", so the request's own origin is echoed.
  const wildcardValue = config.allowCredentials ? undefined : "*";
  const common: string[] = [];
  if (config.allowCredentials) common.push("access-control-allow-credentials", "true");
  const responseHeaders = [...common];
  if (config.exposeHeaders.length > 0) {
    responseHeaders.push("access-control-expose-headers", config.exposeHeaders.join(", "));
  }
  const preflightHeaders = [...common];
  if (config.allowMethods.length > 0)
    preflightHeaders.push("access-control-allow-methods", config.allowMethods.join(", "));
  if (config.allowHeaders.length > 0)
    preflightHeaders.push("access-control-allow-headers", config.allowHeaders.join(", "));
  if (config.maxAgeSeconds !== undefined)
    preflightHeaders.push("access-control-max-age", String(config.maxAgeSeconds));
  return {
    allowOrigin(origin) {
      if (anyOrigin) return wildcardValue ?? origin;
      const lower = origin.toLowerCase();
      if (exact.has(lower)) return origin;
      for (const pattern of patterns) if (pattern.test(lower)) return origin;
      return undefined;
    },
    preflightHeaders,
    responseHeaders,
  };
}

/** "https://*.example.com": the "*" stands for one or more subdomain labels. */
function originPattern(origin: string): RegExp {
  const escaped = origin
    .toLowerCase()
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[a-z0-9-]+(?:\\.[a-z0-9-]+)*");
  return new RegExp(`^${escaped}$`);
}

export function isCorsHeader(lowerName: string): boolean {
  return lowerName.startsWith("access-control-");
}
