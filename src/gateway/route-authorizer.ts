// The gateway's hook for route authorizers (`auth:` of a route in nimbus.yaml). The gateway
// calls it before reading the body of a request whose route declares auth, and passes what it
// answers to the function (requestContext.authorizer, ctx.props.authorizer). Identity
// implements it (src/identity/route-auth/); a refusal is a NimbusError (401, 403 or 429).
import type { IncomingMessage } from "node:http";
import type { GatewayTarget } from "./gateway-handler.ts";
import type { RouteMatch } from "./route-table.ts";

export interface RouteAuthorizationRequest {
  readonly target: GatewayTarget;
  readonly match: RouteMatch;
  readonly req: IncomingMessage;
  readonly requestId: string;
  /** Upper-case method, as the route saw it. */
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly sourceIp: string;
}

/** What the authorizer verified about the caller, e.g. { jwt: { claims, scopes } }. */
export type AuthorizerContext = Readonly<Record<string, unknown>>;

export type RouteAuthorizer = (request: RouteAuthorizationRequest) => Promise<AuthorizerContext>;
