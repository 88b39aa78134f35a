// Guards the admin API (the platform's HTTP API): every route declares the operation it is,
// `config: { operation: { action, resource } }` (or `{ public: "why" }` for the few that need
// no credentials, such as sign-in and the JWKS), and these hooks authenticate every request
// and authorize it through the one authorization point before the handler runs. A route that
// declares nothing, or names an action the registry does not know, makes start-up fail.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { NimbusError } from "../../core/errors.ts";
import { isKnownAction, type RequestContext } from "../../core/policy/index.ts";
import type { Authenticator } from "../authenticate.ts";
import type { Authorizer } from "../authorize.ts";
import type { Principal } from "../principal.ts";

export type ResourceOf = (request: FastifyRequest) => string | Promise<string>;

export interface GuardedOperation {
  readonly action: string;
  /** The resource of this request, e.g. from its path parameters. */
  readonly resource: ResourceOf;
  /** Extra request context for conditions. */
  readonly context?: (request: FastifyRequest) => RequestContext;
}

export interface PublicOperation {
  /** Why anyone may call it (it is its own credential check, or publishes public keys). */
  readonly public: string;
}

export type Operation = GuardedOperation | PublicOperation;

declare module "fastify" {
  interface FastifyContextConfig {
    operation?: Operation;
  }
  interface FastifyRequest {
    /** Set by the guard for every non-public route. */
    principal?: Principal;
  }
}

/** One registered operation, as GET /_nimbus/iam/operations lists it. */
export interface OperationInfo {
  readonly method: string;
  readonly url: string;
  readonly action: string | undefined;
  readonly public: string | undefined;
}

export function operation(
  action: string,
  resource: ResourceOf,
  context?: GuardedOperation["context"],
): { operation: Operation } {
  return { operation: context ? { action, resource, context } : { action, resource } };
}

export function publicOperation(why: string): { operation: Operation } {
  return { operation: { public: why } };
}

function isPublic(operation: Operation | undefined): operation is PublicOperation {
  return operation !== undefined && "public" in operation;
}

/** The principal of a guarded request (set by the guard before any handler runs). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new NimbusError("INTERNAL", "The route ran without an authenticated principal");
  return request.principal;
}

/**
 * Installs the guard; must run before any route is registered. Returns the operations as they
 * are registered (HEAD routes Fastify adds for GET routes are guarded the same and not listed).
 */
export function installOperationGuard(
  app: FastifyInstance,
  deps: { authenticator: Authenticator; authorizer: Authorizer },
): readonly OperationInfo[] {
  const operations: OperationInfo[] = [];
  app.addHook("onRoute", (route) => {
    const declared = route.config?.operation;
    const methods = ([] as string[]).concat(route.method);
    const where = `${methods.join(",")} ${route.url}`;
    if (declared === undefined) {
      throw new NimbusError(
        "INTERNAL",
        `Admin API route ${where} declares no operation (action and resource, or public)`,
      );
    }
    if (!isPublic(declared) && !isKnownAction(declared.action)) {
      throw new NimbusError(
        "INTERNAL",
        `Admin API route ${where} declares an unknown action "${declared.action}"`,
      );
    }
    for (const method of methods) {
      if (method === "HEAD" && operations.some((known) => known.method === "GET" && known.url === route.url))
        continue;
      operations.push({
        method,
        url: route.url,
        action: isPublic(declared) ? undefined : declared.action,
        public: isPublic(declared) ? declared.public : undefined,
      });
    }
  });
  // Authentication before the body is read: an anonymous 256 MB upload is refused at once.
  app.addHook("onRequest", async (request) => {
    const declared = request.routeOptions.config.operation;
    if (isPublic(declared)) return;
    const principal = await deps.authenticator.authenticate(request.headers.authorization);
    if (principal === undefined) {
      throw new NimbusError(
        "UNAUTHORIZED",
        "Missing credentials: send 'Authorization: Bearer <admin key, access key or token>'",
      );
    }
    request.principal = principal;
  });
  // Authorization after the body is parsed: some resources are named in the body (a deploy's app).
  app.addHook("preHandler", async (request) => {
    const declared = request.routeOptions.config.operation;
    if (declared === undefined || isPublic(declared)) return;
    const resource = await declared.resource(request);
    await deps.authorizer.assertAllowed(
      principalOf(request),
      declared.action,
      resource,
      declared.context?.(request),
    );
  });
  return operations;
}
