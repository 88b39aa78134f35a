// `auth: { function: … }` routes: another function of the app decides, as an API Gateway
// Lambda authorizer with simple responses. It receives a REQUEST event (version 2.0: route,
// headers, query, path parameters, identitySource) and answers { isAuthorized, context }. The
// decision is cached per identity (the identity source headers) for cacheTtl.
import type { IncomingMessage } from "node:http";
import { NimbusError } from "../../core/errors.ts";
import { newRequestId } from "../../core/ids.ts";
import type { RouteAuth } from "../../core/manifest/route-auth.ts";
import type { InvocationOutcome } from "../../runtime/index.ts";
import { type CachedDecision, DecisionCache } from "./decision-cache.ts";

type FunctionAuth = Extract<RouteAuth, { type: "function" }>;

export type InvokeFunction = (
  app: string,
  functionName: string,
  payload: Uint8Array,
  requestId: string,
) => Promise<InvocationOutcome>;

export interface FunctionAuthRequest {
  readonly app: string;
  readonly req: IncomingMessage;
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly sourceIp: string;
  readonly routeKey: string;
  readonly routeArn: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly requestId: string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function parseDecision(body: Uint8Array | undefined): CachedDecision {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body ?? new Uint8Array()).toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const decision = parsed as { isAuthorized?: unknown; context?: unknown } | undefined;
  if (typeof decision?.isAuthorized !== "boolean") {
    throw new NimbusError(
      "FUNCTION_RESPONSE_INVALID",
      "The route's authorizer function must answer { isAuthorized: boolean, context?: {…} }",
    );
  }
  const context = typeof decision.context === "object" && decision.context !== null ? decision.context : {};
  return { isAuthorized: decision.isAuthorized, context: context as Record<string, unknown> };
}

export class FunctionRouteAuth {
  readonly #invoke: InvokeFunction;
  readonly #cache = new DecisionCache();

  constructor(invoke: InvokeFunction) {
    this.#invoke = invoke;
  }

  async authorize(auth: FunctionAuth, request: FunctionAuthRequest): Promise<Record<string, unknown>> {
    const identity = auth.identitySource.map((name) => header(request.req, name));
    if (identity.some((value) => value === undefined || value === "")) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        `This route needs the ${auth.identitySource.join(", ")} header(s)`,
      );
    }
    const cacheKey = [request.app, auth.functionName, ...(identity as string[])].join("\0");
    let decision = this.#cache.get(cacheKey);
    if (decision === undefined) {
      decision = await this.#ask(auth, request, identity as string[]);
      this.#cache.set(cacheKey, decision, auth.cacheTtlMs);
    }
    if (!decision.isAuthorized)
      throw new NimbusError("ACCESS_DENIED", "The route's authorizer refused the request");
    return { lambda: decision.context };
  }

  async #ask(auth: FunctionAuth, request: FunctionAuthRequest, identity: string[]): Promise<CachedDecision> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const event = {
      version: "2.0",
      type: "REQUEST",
      routeArn: request.routeArn,
      identitySource: identity,
      routeKey: request.routeKey,
      rawPath: request.rawPath,
      rawQueryString: request.rawQueryString,
      headers,
      queryStringParameters: Object.fromEntries(new URLSearchParams(request.rawQueryString)),
      pathParameters: { ...request.pathParameters },
      requestContext: {
        apiId: request.app,
        http: {
          method: request.method,
          path: request.rawPath,
          sourceIp: request.sourceIp,
          userAgent: headers["user-agent"] ?? "",
        },
        requestId: request.requestId,
        routeKey: request.routeKey,
        timeEpoch: Date.now(),
      },
    };
    const outcome = await this.#invoke(
      request.app,
      auth.functionName,
      Buffer.from(JSON.stringify(event)),
      newRequestId(),
    );
    if (outcome.status === "error") {
      throw new NimbusError(
        outcome.errorCode ?? "FUNCTION_ERROR",
        `The route's authorizer function "${auth.functionName}" failed`,
      );
    }
    return parseDecision(outcome.response?.body);
  }
}
