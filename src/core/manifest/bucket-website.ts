// `website:` on a bucket: its objects served read-only, without credentials, under a route of
// the app (`<route>/<key>`), with an index document for folders and an error document for
// missing keys. The route is taken before the app's function routes, so one that could shadow
// a function route is refused here rather than silently winning at request time.
import { z } from "zod";
import { RESERVED_ROUTE_PATHS } from "../reserved-paths.ts";
import { parseRouteKey } from "./routes.ts";

/** "/" or literal segments without a trailing slash; the characters route keys allow. */
const WEBSITE_ROUTE = /^\/(?:[A-Za-z0-9._~!$&'()*,;=:@-]+(?:\/[A-Za-z0-9._~!$&'()*,;=:@-]+)*)?$/;
const PLATFORM_PREFIX = "/_nimbus";

function documentKey(what: string) {
  return z
    .string()
    .min(1)
    .max(1024)
    .refine((key) => !key.startsWith("/"), `the ${what} is an object key: it must not start with "/"`)
    .refine(
      (key) => key.split("/").every((segment) => segment !== "." && segment !== ".."),
      `the ${what} must not have "." or ".." path segments`,
    );
}

export const bucketWebsiteSchema = z
  .strictObject({
    route: z
      .string()
      .regex(
        WEBSITE_ROUTE,
        'the route is a path such as "/site": it starts with "/", has no trailing "/", "{parameters}", "?" or "%"',
      )
      .refine(
        (route) => route.split("/").every((segment) => segment !== "." && segment !== ".."),
        'the route must not have "." or ".." segments',
      )
      .refine(
        (route) => route !== PLATFORM_PREFIX && !route.startsWith(`${PLATFORM_PREFIX}/`),
        `the route must not be under ${PLATFORM_PREFIX}, which the platform's own APIs use`,
      )
      .refine(
        (route) => !RESERVED_ROUTE_PATHS.some((path) => route === path || route.startsWith(`${path}/`)),
        `the route must not be one of the platform's health endpoints (${RESERVED_ROUTE_PATHS.join(", ")})`,
      )
      .describe('Where the site is served: GET <route>/<key> answers the object <key> (e.g. "/site").'),
    index: documentKey("index document")
      .refine((key) => !key.includes("/"), 'the index document is a file name without "/"')
      .optional()
      .describe("The object served for <route>/ and <route>/<folder>/ (default index.html)."),
    error: documentKey("error document")
      .optional()
      .describe("The object served with status 404 for a missing key (default: a plain 404)."),
  })
  .describe("Serve the bucket as a static website: GET and HEAD without credentials, under a route.");

export type BucketWebsiteDocument = z.infer<typeof bucketWebsiteSchema>;

export interface BucketWebsiteConfig {
  /** "/site" (never a trailing "/"), or "/" for the whole host. */
  readonly route: string;
  readonly indexDocument: string;
  readonly errorDocument: string | undefined;
}

export function normalizeBucketWebsite(
  doc: BucketWebsiteDocument | undefined,
): BucketWebsiteConfig | undefined {
  return doc && { route: doc.route, indexDocument: doc.index ?? "index.html", errorDocument: doc.error };
}

/** true: some URL path is both `route` itself or under it, and matched by the route key's path. */
function routeShadows(route: string, functionPath: string): boolean {
  const routeSegments = route === "/" ? [] : route.slice(1).split("/");
  const pathSegments = functionPath === "/" ? [] : functionPath.slice(1).split("/");
  for (const [index, wanted] of routeSegments.entries()) {
    const segment = pathSegments[index];
    if (segment === undefined) return false; // the function's paths are all above the route
    if (segment.endsWith("+}")) return true; // a greedy parameter also takes the route's paths
    if (!segment.startsWith("{") && segment !== wanted) return false;
  }
  return true;
}

type Problem = { path: (string | number)[]; message: string };

/** Website routes must not shadow a function's HTTP route, nor each other. */
export function bucketWebsiteProblems(
  functions: Readonly<Record<string, { events?: readonly unknown[] | undefined }>>,
  buckets: Readonly<Record<string, { website?: BucketWebsiteDocument | undefined }>> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const sites = Object.entries(buckets ?? {}).flatMap(([bucket, doc]) =>
    doc.website ? [{ bucket, route: doc.website.route }] : [],
  );
  for (const [position, site] of sites.entries()) {
    const path = ["buckets", site.bucket, "website", "route"];
    for (const other of sites.slice(0, position)) {
      if (routeShadows(site.route, other.route) || routeShadows(other.route, site.route))
        problems.push({
          path,
          message: `the route ${site.route} overlaps the website of bucket "${other.bucket}" (${other.route})`,
        });
    }
    for (const [name, fn] of Object.entries(functions)) {
      for (const event of fn.events ?? []) {
        const http =
          typeof event === "object" && event !== null ? (event as { http?: unknown }).http : undefined;
        const key = typeof http === "object" && http !== null ? (http as { route?: unknown }).route : http;
        if (typeof key !== "string") continue;
        const spec = parseRouteKey(key);
        if (typeof spec === "string" || spec.isDefault || !routeShadows(site.route, spec.path)) continue;
        problems.push({
          path,
          message: `the route ${site.route} would hide the HTTP route "${spec.routeKey}" of function "${name}"; choose a route no function route is under`,
        });
      }
    }
  }
  return problems;
}
