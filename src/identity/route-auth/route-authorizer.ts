// The gateway's route authorizer (gateway/route-authorizer.ts), implemented by identity: picks
// the route's `auth` and checks the caller. iam goes through the one authorization point
// (action http:Invoke on nrn:<app>:route/<METHOD><path>); jwt, apiKey and function have
// their own files. What each verifies reaches the function as requestContext.authorizer.
import { NimbusError } from "../../core/errors.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import { appResource } from "../../core/policy/index.ts";
import type { AuthorizerContext, RouteAuthorizationRequest } from "../../gateway/index.ts";
import type { ApiKeys } from "../api-keys.ts";
import type { Authenticator } from "../authenticate.ts";
import type { Authorizer } from "../authorize.ts";
import { type Principal, principalName } from "../principal.ts";
import type { FunctionRouteAuth } from "./function-route-auth.ts";
import type { JwtRouteAuth } from "./jwt-route-auth.ts";
import { quotaWindow } from "./quota-window.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export interface RouteAuthDeps {
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly jwt: JwtRouteAuth;
  readonly functions: FunctionRouteAuth;
  readonly apiKeys: ApiKeys;
  readonly rateLimiter: RateLimiter;
  readonly consumeQuota: (keyId: string, windowStart: number, limit: number) => Promise<number | undefined>;
  readonly appConfig: (app: string) => Promise<AppConfig | undefined>;
}

function iamIdentity(principal: Principal): Record<string, unknown> {
  const base = principal.kind === "temporary" ? principal.parent : principal;
  return {
    principal: principalName(principal),
    type: principal.kind,
    ...("app" in base ? { app: base.app } : {}),
    ...(base.kind === "user" ? { userId: base.userId, username: base.username } : {}),
    ...(base.kind === "access-key" ? { accessKeyId: base.accessKeyId } : {}),
    ...(base.kind === "function" ? { functionName: base.functionName } : {}),
  };
}

export function createRouteAuthorizer(deps: RouteAuthDeps) {
  async function iam(app: string, request: RouteAuthorizationRequest): Promise<AuthorizerContext> {
    const principal = await deps.authenticator.authenticate(request.req.headers.authorization);
    if (!principal) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        "This route needs Nimbus credentials: 'Authorization: Bearer <access key or token>'",
      );
    }
    const resource = appResource(app, `route/${request.method}${request.rawPath}`);
    await deps.authorizer.assertAllowed(principal, "http:Invoke", resource, {
      "request.method": request.method,
      "request.path": request.rawPath,
      "request.sourceIp": request.sourceIp,
    });
    return { iam: iamIdentity(principal) };
  }

  async function apiKey(app: string, request: RouteAuthorizationRequest): Promise<AuthorizerContext> {
    const value = request.req.headers["x-api-key"];
    if (typeof value !== "string" || value === "") {
      throw new NimbusError("CREDENTIALS_INVALID", "This route needs an API key in the x-api-key header");
    }
    const key = await deps.apiKeys.verify(app, value);
    const plan = key.plan === undefined ? undefined : (await deps.appConfig(app))?.usagePlans?.[key.plan];
    if (key.plan !== undefined && plan === undefined) {
      throw new NimbusError(
        "ACCESS_DENIED",
        `The API key's usage plan "${key.plan}" no longer exists in app "${app}"`,
      );
    }
    if (plan?.rateLimitPerSecond !== undefined) {
      const taken = deps.rateLimiter.take(key.id, plan.rateLimitPerSecond, plan.burst);
      if (!taken.allowed) {
        throw new NimbusError(
          "RATE_LIMITED",
          `The API key is over its rate of ${plan.rateLimitPerSecond} requests per second`,
          {
            headers: { "retry-after": String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))) },
          },
        );
      }
    }
    if (plan?.quota !== undefined) {
      const window = quotaWindow(plan.quota.period, Date.now());
      if ((await deps.consumeQuota(key.id, window.start, plan.quota.limit)) === undefined) {
        throw new NimbusError(
          "QUOTA_EXCEEDED",
          `The API key used its ${plan.quota.limit} requests for this ${plan.quota.period}`,
          {
            headers: { "retry-after": String(Math.max(1, Math.ceil((window.end - Date.now()) / 1000))) },
          },
        );
      }
    }
    return { apiKey: { id: key.id, name: key.name, ...(key.plan === undefined ? {} : { plan: key.plan }) } };
  }

  return async (request: RouteAuthorizationRequest): Promise<AuthorizerContext> => {
    const app = request.target.app;
    const auth = request.match.route.auth;
    if (app === undefined || auth === undefined)
      throw new NimbusError("INTERNAL", "A route authorizer ran without an app or an auth");
    switch (auth.type) {
      case "none":
        return {};
      case "iam":
        return iam(app, request);
      case "jwt":
        return deps.jwt.authorize(app, auth, request.req);
      case "apiKey":
        return apiKey(app, request);
      case "function":
        return deps.functions.authorize(auth, {
          app,
          req: request.req,
          method: request.method,
          rawPath: request.rawPath,
          rawQueryString: request.rawQueryString,
          sourceIp: request.sourceIp,
          routeKey: request.match.route.routeKey,
          routeArn: appResource(app, `route/${request.method}${request.rawPath}`),
          pathParameters: request.match.pathParameters,
          requestId: request.requestId,
        });
    }
  };
}
