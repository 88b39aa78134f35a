// The routes of one deployment, compiled once into a find-my-way radix tree per method.
// API Gateway's selection rules are folded into the tree at build time so a request costs
// one lookup: a method-specific route beats an ANY route of the same shape; HEAD falls back
// to GET; "$default" catches whatever matched nothing. Across shapes, find-my-way's own
// order applies (static segment > {param} > {greedy+}), which is API Gateway's "most
// specific match".
import Router from "find-my-way";
import { NimbusError } from "../core/errors.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import { HTTP_METHODS, type HttpMethod, type RouteSpec } from "../core/manifest/routes.ts";

export interface RouteMatch {
  functionName: string;
  route: RouteSpec;
  pathParameters: Record<string, string>;
}

export interface MethodMismatch {
  allowedMethods: string[];
}

interface RouteEntry {
  readonly functionName: string;
  readonly route: RouteSpec;
  /** Parameter names in path order; the greedy one (if any) is last and read from "*". */
  readonly paramNames: readonly string[];
  readonly greedy: boolean;
  /** The path with parameter names erased, "/users/{}/files/{+}": equal shapes collide. */
  readonly shape: string;
  readonly routerPath: string;
}

type FindResult = { store: RouteEntry; params: Record<string, string | undefined> } | null;

// find-my-way requires a handler function; the entry travels in the route's store instead.
const NO_HANDLER = () => {};
const NO_QUERY = Object.freeze({});
const ROUTER_OPTIONS = {
  // Path parameters can be long (ids, slugs, keys); API Gateway has no such limit.
  maxParamLength: 8192,
  // The gateway passes the query string through raw; never parse it here.
  querystringParser: () => NO_QUERY,
};

export class RouteTable {
  readonly #router: Router.Instance<Router.HTTPVersion.V1>;
  readonly #defaultRoute: RouteEntry | undefined;
  /** Methods with at least one route, in HTTP_METHODS order (for 405 and Allow). */
  readonly #routedMethods: readonly HttpMethod[];

  private constructor(entries: readonly RouteEntry[], defaultRoute: RouteEntry | undefined) {
    this.#defaultRoute = defaultRoute;
    this.#router = Router(ROUTER_OPTIONS);
    const routed: HttpMethod[] = [];
    for (const method of HTTP_METHODS) {
      if (this.#registerMethod(method, entries)) routed.push(method);
    }
    this.#routedMethods = routed;
  }

  /** Duplicate route keys (or keys of the same shape) across functions → NIMBUS_MANIFEST_INVALID naming both. */
  static fromApp(app: AppConfig): RouteTable {
    const byKey = new Map<string, RouteEntry>();
    let defaultRoute: RouteEntry | undefined;
    for (const [functionName, fn] of Object.entries(app.functions)) {
      for (const route of fn.routes) {
        const entry = toEntry(functionName, route);
        const key = route.isDefault ? "$default" : `${route.method} ${entry.shape}`;
        const existing = route.isDefault ? defaultRoute : byKey.get(key);
        if (existing) throw duplicateRoute(app.app, existing, entry);
        if (route.isDefault) defaultRoute = entry;
        else byKey.set(key, entry);
      }
    }
    return new RouteTable([...byKey.values()], defaultRoute);
  }

  /**
   * `path` is the raw path without the query string. Answers the route, or the methods the
   * path has routes for when the method has none, or undefined when nothing matches.
   */
  match(method: string, path: string): RouteMatch | MethodMismatch | undefined {
    const found = this.#find(method, path);
    if (found !== null) return toMatch(found);
    if (this.#defaultRoute)
      return {
        functionName: this.#defaultRoute.functionName,
        route: this.#defaultRoute.route,
        pathParameters: {},
      };
    const allowedMethods: string[] = [];
    for (const other of this.#routedMethods) {
      if (other !== method && this.#find(other, path) !== null) allowedMethods.push(other);
    }
    return allowedMethods.length > 0 ? { allowedMethods } : undefined;
  }

  #find(method: string, path: string): FindResult {
    const found = this.#router.find(method as Router.HTTPMethod, path) as FindResult;
    if (found === null) return null;
    // API Gateway never binds an empty segment to {param} or an empty rest to {path+}.
    for (const name in found.params) if (found.params[name] === "") return null;
    return found;
  }

  /** Registers, for one method, its own routes, then ANY routes, then (for HEAD) GET routes, skipping shapes already taken. */
  #registerMethod(method: HttpMethod, entries: readonly RouteEntry[]): boolean {
    const taken = new Set<string>();
    const sources: ReadonlyArray<RouteSpec["method"]> =
      method === "HEAD" ? ["HEAD", "ANY", "GET"] : [method, "ANY"];
    for (const source of sources) {
      for (const entry of entries) {
        if (entry.route.method !== source || taken.has(entry.shape)) continue;
        taken.add(entry.shape);
        this.#router.on(method, entry.routerPath, NO_HANDLER, entry);
      }
    }
    return taken.size > 0;
  }
}

function toMatch(found: NonNullable<FindResult>): RouteMatch {
  const entry = found.store;
  const pathParameters: Record<string, string> = {};
  const names = entry.paramNames;
  const last = names.length - 1;
  for (let index = 0; index <= last; index++) {
    const name = names[index] as string;
    pathParameters[name] = (entry.greedy && index === last ? found.params["*"] : found.params[name]) ?? "";
  }
  return { functionName: entry.functionName, route: entry.route, pathParameters };
}

function toEntry(functionName: string, route: RouteSpec): RouteEntry {
  if (route.isDefault) {
    return { functionName, route, paramNames: [], greedy: false, shape: "$default", routerPath: "" };
  }
  const paramNames: string[] = [];
  let greedy = false;
  const shapeParts: string[] = [];
  const routerParts: string[] = [];
  for (const segment of route.path.split("/")) {
    if (segment.startsWith("{")) {
      greedy = segment.endsWith("+}");
      paramNames.push(segment.slice(1, greedy ? -2 : -1));
      shapeParts.push(greedy ? "{+}" : "{}");
      routerParts.push(greedy ? "*" : `:${paramNames.at(-1)}`);
      continue;
    }
    if (segment.includes("*")) {
      throw new NimbusError(
        "NIMBUS_MANIFEST_INVALID",
        `Route "${route.routeKey}" of function "${functionName}": a literal "*" in a path is not supported`,
      );
    }
    shapeParts.push(segment);
    // find-my-way reads ":" as the start of a parameter; "::" is its escaped literal colon.
    routerParts.push(segment.replaceAll(":", "::"));
  }
  return {
    functionName,
    route,
    paramNames,
    greedy,
    shape: shapeParts.join("/"),
    routerPath: routerParts.join("/"),
  };
}

function duplicateRoute(app: string, first: RouteEntry, second: RouteEntry): NimbusError {
  const same = first.route.routeKey === second.route.routeKey;
  const what = same
    ? `Route "${second.route.routeKey}"`
    : `Routes "${first.route.routeKey}" and "${second.route.routeKey}" (the same path with different parameter names)`;
  const owners =
    first.functionName === second.functionName
      ? `twice by function "${first.functionName}"`
      : `by both function "${first.functionName}" and function "${second.functionName}"`;
  const verb = same ? "is" : "are";
  return new NimbusError(
    "NIMBUS_MANIFEST_INVALID",
    `${what} ${verb} declared ${owners} in app "${app}"; each route must belong to one function`,
    {
      details: { routeKey: second.route.routeKey, functions: [first.functionName, second.functionName] },
    },
  );
}
