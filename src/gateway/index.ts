// The HTTP gateway: routes requests to functions (see ARCHITECTURE.md in this folder).
export { type CorsPolicy, compileCorsPolicy, corsPolicyFor } from "./cors.ts";
export { createGatewayHandler, type GatewayOptions, type GatewayTarget } from "./gateway-handler.ts";
export { BODY_TOO_LARGE, ClientAbortedError, readBody } from "./request-body.ts";
export type { AuthorizerContext, RouteAuthorizationRequest, RouteAuthorizer } from "./route-authorizer.ts";
export { type MethodMismatch, type RouteMatch, RouteTable } from "./route-table.ts";
