// HTTP route keys as API Gateway writes them: "GET /users/{id}", "ANY /files/{path+}", "$default".
import { RESERVED_ROUTE_PATHS } from "../reserved-paths.ts";
import type { RouteAuth } from "./route-auth.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type RouteMethod = HttpMethod | "ANY";

export interface RouteSpec {
  /** The key exactly as written (normalised spacing), e.g. "GET /users/{id}" or "$default". */
  readonly routeKey: string;
  readonly method: RouteMethod;
  /** "/users/{id}"; "$default" for the catch-all route. */
  readonly path: string;
  readonly isDefault: boolean;
  /** Who may call it (route-auth.ts); absent: anyone. Set from the manifest, not the key. */
  readonly auth?: RouteAuth;
  /** An alias or version number the route calls (qualifier.ts); absent: the latest version. */
  readonly qualifier?: string;
}

const SEGMENT = /^(?:[A-Za-z0-9._~!$&'()*,;=:@-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})$/;

/** Parses a route key; returns an error message instead of throwing so the manifest can list every problem. */
export function parseRouteKey(text: string): RouteSpec | string {
  const trimmed = text.trim();
  if (trimmed === "$default")
    return { routeKey: "$default", method: "ANY", path: "$default", isDefault: true };
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 2) return `expected "METHOD /path" or "$default", got "${text}"`;
  const [rawMethod, path] = parts as [string, string];
  const method = rawMethod.toUpperCase();
  if (method !== "ANY" && !(HTTP_METHODS as readonly string[]).includes(method)) {
    return `unknown method "${rawMethod}"; expected one of ${[...HTTP_METHODS, "ANY"].join(", ")}`;
  }
  if (!path.startsWith("/")) return `the path must start with "/", got "${path}"`;
  if (RESERVED_ROUTE_PATHS.includes(path)) {
    return `"${path}" is reserved for the platform's health endpoints (${RESERVED_ROUTE_PATHS.join(", ")}); choose another path`;
  }
  const segments = path === "/" ? [] : path.slice(1).split("/");
  const names = new Set<string>();
  for (const [index, segment] of segments.entries()) {
    if (!SEGMENT.test(segment)) return `invalid path segment "${segment}" in "${path}"`;
    if (!segment.startsWith("{")) continue;
    const greedy = segment.endsWith("+}");
    const name = segment.slice(1, greedy ? -2 : -1);
    if (greedy && index !== segments.length - 1)
      return `the greedy parameter {${name}+} must be the last segment`;
    if (names.has(name)) return `the parameter {${name}} appears twice in "${path}"`;
    names.add(name);
  }
  return { routeKey: `${method} ${path}`, method: method as RouteMethod, path, isDefault: false };
}
