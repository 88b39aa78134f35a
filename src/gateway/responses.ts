// Writing answers: the function's result passed through, or a platform error as JSON.
// Each answer is written with one writeHead over a flat [name, value, ...] array, which
// keeps repeated headers (set-cookie) and costs no per-header setHeader calls.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ERROR_CODES, type ErrorCode, NimbusError } from "../core/errors.ts";
import type { HttpResult } from "../runtime/protocol.ts";
import type { InvocationOutcome } from "../runtime/types.ts";
import { type CorsPolicy, isCorsHeader } from "./cors.ts";

/** Headers the gateway owns: hop-by-hop ones, the length it computes, the id it assigns. */
const GATEWAY_OWNED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "x-request-id",
]);

/** Statuses that never carry a body, so no content-length either. */
function bodiless(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

/** Appends the CORS headers of an actual (non-preflight) response. */
export function appendCorsHeaders(
  headers: string[],
  req: IncomingMessage,
  cors: CorsPolicy | undefined,
): void {
  if (cors === undefined) return;
  headers.push("vary", "Origin");
  const origin = req.headers.origin;
  const allowed = origin === undefined ? undefined : cors.allowOrigin(origin);
  if (allowed === undefined) return;
  headers.push("access-control-allow-origin", allowed);
  for (const value of cors.responseHeaders) headers.push(value);
}

/** The function's headers as the gateway passes them on (flat), with its own id and CORS. */
export function passThroughHeaders(
  req: IncomingMessage,
  requestId: string,
  cors: CorsPolicy | undefined,
  pairs: ReadonlyArray<readonly [string, string]>,
): string[] {
  const headers: string[] = ["x-request-id", requestId];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (GATEWAY_OWNED.has(lower) || (cors !== undefined && isCorsHeader(lower))) continue;
    headers.push(lower, value);
  }
  appendCorsHeaders(headers, req, cors);
  return headers;
}

/** Passes the function's response through: status, headers (repeats kept) and body bytes. */
export function sendResult(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  cors: CorsPolicy | undefined,
  result: HttpResult,
): void {
  const headers = passThroughHeaders(req, requestId, cors, result.headers);
  if (!bodiless(result.status)) headers.push("content-length", String(result.body.byteLength));
  try {
    res.writeHead(result.status, headers);
  } catch {
    // A header name or value Node refuses to write (a newline, a non-token name): the
    // function's answer is unusable, which is the function's fault, not the client's.
    const error = new NimbusError(
      "FUNCTION_RESPONSE_INVALID",
      "The function answered a header that cannot be sent",
    );
    sendError(req, res, requestId, cors, error);
    return;
  }
  // Node drops the body itself for HEAD requests while keeping the content-length.
  res.end(bodiless(result.status) ? undefined : result.body);
}

/** A platform error as `NimbusError#toBody(requestId)` JSON, with its status and extra headers. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  cors: CorsPolicy | undefined,
  error: NimbusError,
  extraHeaders: readonly string[] = [],
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify(error.toBody(requestId)));
  const headers: string[] = ["x-request-id", requestId, "content-type", "application/json"];
  for (const [name, value] of Object.entries(error.headers)) headers.push(name.toLowerCase(), value);
  for (const value of extraHeaders) headers.push(value);
  appendCorsHeaders(headers, req, cors);
  headers.push("content-length", String(body.byteLength));
  res.writeHead(error.status, headers);
  res.end(body);
}

/** A 204 with the given flat headers (preflight answers, OPTIONS with Allow). */
export function sendNoContent(res: ServerResponse, requestId: string, headers: readonly string[]): void {
  res.writeHead(204, ["x-request-id", requestId, ...headers]);
  res.end();
}

const FUNCTION_FAILURES: Partial<Record<ErrorCode, string>> = {
  FUNCTION_ERROR: "failed while handling the request",
  FUNCTION_INIT_ERROR: "failed while loading its code",
  FUNCTION_OUT_OF_MEMORY: "ran out of memory and was stopped",
  FUNCTION_RESPONSE_INVALID: "answered something that is not a valid response",
  FUNCTION_TIMEOUT: "did not answer within its timeout and was stopped",
};

/**
 * The client learns what kind of failure happened and the request id to look it up, never
 * the function's own message or stack (they can hold internals); those go to the logs.
 * Errors the catalog marks as exposable (e.g. 429) keep the platform's message.
 */
export function outcomeError(outcome: InvocationOutcome): NimbusError {
  const code = outcome.errorCode ?? "FUNCTION_ERROR";
  const failure = FUNCTION_FAILURES[code];
  if (failure !== undefined) return new NimbusError(code, `Function "${outcome.functionName}" ${failure}`);
  if (ERROR_CODES[code].expose && outcome.errorMessage) return new NimbusError(code, outcome.errorMessage);
  return new NimbusError(code, `Function "${outcome.functionName}" could not be invoked`);
}
