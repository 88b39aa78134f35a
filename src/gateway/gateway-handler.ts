// The front door for function routes, on raw node:http. One request: assign an id, find
// the deployed app, answer CORS preflight, route, read the body under the limit, invoke,
// write the function's answer through (or a JSON platform error). See ARCHITECTURE.md.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NimbusError, toNimbusError } from "../core/errors.ts";
import type { CorsConfig } from "../core/manifest/normalize.ts";
import type { HttpInvocationRequest } from "../runtime/protocol.ts";
import type { InvocationOutcome } from "../runtime/types.ts";
import { type CorsPolicy, corsPolicyFor } from "./cors.ts";
import { BODY_TOO_LARGE, ClientAbortedError, declaresTooLarge, hasBody, readBody } from "./request-body.ts";
import { outcomeError, sendError, sendNoContent, sendResult } from "./responses.ts";
import type { AuthorizerContext, RouteAuthorizer } from "./route-authorizer.ts";
import type { RouteMatch, RouteTable } from "./route-table.ts";
import { sendStream } from "./stream-response.ts";

export interface GatewayTarget {
  /** The app's name (route authorizers need it). */
  readonly app?: string;
  routes: RouteTable;
  cors: CorsConfig | undefined;
  /**
   * `acceptStream`: the gateway writes streamed responses as they come (see InvokeOptions).
   * `qualifier`: the route's alias or version (absent: the latest version).
   */
  invoke(
    functionName: string,
    request: HttpInvocationRequest,
    requestId: string,
    acceptStream?: boolean,
    qualifier?: string,
  ): Promise<InvocationOutcome>;
}

export interface GatewayOptions {
  resolveTarget(req: IncomingMessage): GatewayTarget | undefined;
  /** The caller passes the configured limit (6 MB by default, as Lambda's synchronous payload). */
  maxBodyBytes: number;
  /** Checks the callers of routes that declare `auth`; without it such routes are refused. */
  authorizeRoute?: RouteAuthorizer;
}

const CLOSE_CONNECTION = ["connection", "close"];

export function createGatewayHandler(
  options: GatewayOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { resolveTarget, maxBodyBytes, authorizeRoute } = options;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new NimbusError(
      "INTERNAL",
      `gateway maxBodyBytes must be a non-negative integer, got ${maxBodyBytes}`,
    );
  }
  return (req, res) => {
    void serve(resolveTarget, maxBodyBytes, authorizeRoute, req, res);
  };
}

/** Never rejects: every failure becomes an answer (or a closed socket when nobody is listening). */
async function serve(
  resolveTarget: GatewayOptions["resolveTarget"],
  maxBodyBytes: number,
  authorizeRoute: RouteAuthorizer | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const receivedAt = Date.now();
  let cors: CorsPolicy | undefined;
  try {
    const target = resolveTarget(req);
    if (target === undefined) {
      // 404 rather than 503: nothing is deployed for this host, which retrying will not fix.
      const host = req.headers.host ?? "";
      throw new NimbusError("APP_NOT_FOUND", `No app is deployed${host === "" ? "" : ` for host "${host}"`}`);
    }
    cors = corsPolicyFor(target.cors);
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);

    if (cors !== undefined && method === "OPTIONS" && isPreflight(req)) {
      answerPreflight(req, res, requestId, cors);
      return;
    }
    const match = target.routes.match(method, rawPath);
    if (match === undefined) {
      throw new NimbusError("ROUTE_NOT_FOUND", `No route matches ${method} ${rawPath}`);
    }
    if (!("functionName" in match)) {
      answerOtherMethods(req, res, requestId, cors, method, rawPath, match.allowedMethods);
      return;
    }
    // Before the body is read: a caller the route refuses does not get to upload anything.
    let authorizer: AuthorizerContext | undefined;
    if (match.route.auth !== undefined) {
      if (authorizeRoute === undefined) {
        throw new NimbusError(
          "ACCESS_DENIED",
          `The route ${match.route.routeKey} needs an authorizer and none is configured`,
        );
      }
      const rawQueryString = queryStart === -1 ? "" : url.slice(queryStart + 1);
      const sourceIp = clientAddress(req);
      authorizer = await authorizeRoute({
        target,
        match,
        req,
        requestId,
        method,
        rawPath,
        rawQueryString,
        sourceIp,
      });
    }
    let body: Buffer | null = null;
    if (hasBody(req)) {
      const read = declaresTooLarge(req, maxBodyBytes) ? BODY_TOO_LARGE : await readBody(req, maxBodyBytes);
      if (read === BODY_TOO_LARGE) {
        const error = new NimbusError(
          "PAYLOAD_TOO_LARGE",
          `The request body is over the limit of ${maxBodyBytes} bytes`,
        );
        // The rest of the upload is never read: closing is cheaper than draining it.
        sendError(req, res, requestId, cors, error, CLOSE_CONNECTION);
        return;
      }
      body = read;
    }
    const request = toInvocationRequest(
      req,
      method,
      url,
      queryStart,
      rawPath,
      match,
      body,
      receivedAt,
      authorizer,
    );
    const outcome = await target.invoke(match.functionName, request, requestId, true, match.route.qualifier);
    if (outcome.stream !== undefined) {
      await sendStream(req, res, requestId, cors, outcome.stream);
    } else if (outcome.status === "success" && outcome.response !== undefined) {
      sendResult(req, res, requestId, cors, outcome.response);
    } else {
      sendError(req, res, requestId, cors, outcomeError(outcome));
    }
  } catch (error) {
    if (error instanceof ClientAbortedError) {
      res.destroy();
      return;
    }
    if (!(error instanceof NimbusError)) console.error(`[gateway] request ${requestId} failed:`, error);
    sendError(req, res, requestId, cors, toNimbusError(error));
  }
}

function isPreflight(req: IncomingMessage): boolean {
  return req.headers.origin !== undefined && req.headers["access-control-request-method"] !== undefined;
}

/** The gateway answers preflight itself; a disallowed origin gets a 204 without CORS headers, which the browser refuses. */
function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  cors: CorsPolicy,
): void {
  const allowed = cors.allowOrigin(req.headers.origin as string);
  if (allowed === undefined) {
    sendNoContent(res, requestId, ["vary", "Origin"]);
    return;
  }
  sendNoContent(res, requestId, [
    "vary",
    "Origin",
    "access-control-allow-origin",
    allowed,
    ...cors.preflightHeaders,
  ]);
}

/** OPTIONS without a route of its own is answered 204 with Allow; any other method gets 405. */
function answerOtherMethods(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  cors: CorsPolicy | undefined,
  method: string,
  rawPath: string,
  allowedMethods: readonly string[],
): void {
  const allow = method === "OPTIONS" ? [...allowedMethods, "OPTIONS"].join(", ") : allowedMethods.join(", ");
  if (method === "OPTIONS") {
    sendNoContent(res, requestId, ["allow", allow]);
    return;
  }
  const error = new NimbusError(
    "METHOD_NOT_ALLOWED",
    `${method} is not allowed on ${rawPath}; allowed: ${allow}`,
  );
  sendError(req, res, requestId, cors, error, ["allow", allow]);
}

const PLATFORM_INVOCATION_HEADER = "x-nimbus-invocation";

function toInvocationRequest(
  req: IncomingMessage,
  method: string,
  url: string,
  queryStart: number,
  rawPath: string,
  match: RouteMatch,
  body: Buffer | null,
  receivedAt: number,
  authorizer: AuthorizerContext | undefined,
): HttpInvocationRequest {
  const raw = req.rawHeaders;
  const headers: Array<readonly [string, string]> = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    // The platform marks its own calls of a function (a workflow replay, a queue batch) with
    // this header; from outside it would let a caller pose as the platform.
    if (name === PLATFORM_INVOCATION_HEADER) continue;
    headers.push([name, raw[index + 1] as string]);
  }
  return {
    kind: "http",
    // A HEAD served by a GET route reaches the function as the GET it was declared for;
    // the gateway drops the body on the way out.
    method: method === "HEAD" && match.route.method === "GET" ? "GET" : method,
    rawPath,
    rawQueryString: queryStart === -1 ? "" : url.slice(queryStart + 1),
    headers,
    body,
    routeKey: match.route.routeKey,
    pathParameters: match.pathParameters,
    sourceIp: clientAddress(req),
    domainName: req.headers.host ?? "",
    requestTimeEpoch: receivedAt,
    ...(authorizer === undefined ? {} : { authorizer }),
  };
}

function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
