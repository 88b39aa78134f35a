// The resources admin API routes are authorized on (see identity/http/operation-guard.ts):
// each route names its action in admin-api.ts and takes its resource from here.
import type { FastifyRequest } from "fastify";
import { parseDocument } from "yaml";
import { appResource } from "../core/policy/index.ts";

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

function query(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** nrn:<app>:app of a route with :app. */
export function appOf(request: FastifyRequest): string {
  return appResource(param(request, "app"), "app");
}

/** Every app, for listings across apps. */
export function allApps(): string {
  return appResource("*", "app");
}

/** nrn:<app>:function/<fn> of a route with :app and :fn. */
export function functionOf(request: FastifyRequest): string {
  return appResource(param(request, "app"), `function/${param(request, "fn")}`);
}

/** The function named by ?function=, or all of the app's functions (function/*). */
export function queriedFunctionsOf(request: FastifyRequest): string {
  return appResource(param(request, "app"), `function/${query(request, "function") ?? "*"}`);
}

/**
 * The app a deploy is for, read from the manifest in the body (validated properly later).
 * A body without a readable app name needs rights on everything: the deploy will fail anyway.
 */
export function deployTargetOf(request: FastifyRequest): string {
  const manifest = (request.body as { manifest?: unknown } | undefined)?.manifest;
  if (typeof manifest !== "string") return "*";
  try {
    const app = parseDocument(manifest).get("app");
    return typeof app === "string" && /^[a-z][a-z0-9-]{0,62}$/.test(app) ? appResource(app, "app") : "*";
  } catch {
    return "*";
  }
}
