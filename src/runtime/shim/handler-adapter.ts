// Finds the user's handler in the bundle's exports and adapts it to one neutral shape:
// (InvocationRequest) → HttpResult. Two styles are recognised:
// - fetch-style: an export with a `fetch` method (`export default { fetch }`, a Hono app),
//   or a default export that is a function; called as fetch(request, env, ctx).
// - Lambda-style: any other exported function; called as handler(event, context[, callback])
//   with an API Gateway HTTP API payload 2.0 event.
// Runs inside function processes: no server imports.
import {
  type FunctionIdentity,
  type HttpResult,
  type InvocationRequest,
  LIVE_VARIABLES,
} from "../protocol.ts";
import { fromDirectLambdaResult, toDirectFetchRequest, toDirectLambdaEvent } from "./direct-invocation.ts";
import { fromFetchResponse, responseHead, toFetchRequest } from "./fetch-http.ts";
import { createLambdaContext } from "./lambda-context.ts";
import { toLambdaHttpEvent } from "./lambda-http-event.ts";
import { fromLambdaHttpResult } from "./lambda-http-response.ts";
import { isStreamingHandler } from "./lambda-streaming.ts";
import { invokeLambdaStreaming } from "./lambda-streaming-invoke.ts";
import { fetchResult, type ResponseStreamer, type Streamed } from "./response-streaming.ts";
import { HandlerNotFoundError } from "./shim-errors.ts";

export interface InvokeContextInfo {
  requestId: string;
  deadlineMs: number;
  identity: FunctionIdentity;
}

/** STREAMED: the response went out as a stream (response-streaming.ts); main.ts then ends it. */
export type InstanceHandler = (
  request: InvocationRequest,
  info: InvokeContextInfo,
) => Promise<HttpResult | Streamed>;

type FetchCall = (
  request: Request,
  env: Readonly<Record<string, string>>,
  ctx: FetchExecutionContext,
) => unknown;
type LambdaHandler = (event: unknown, context: unknown, callback: LambdaCallback) => unknown;
type LambdaCallback = (error?: unknown, result?: unknown) => void;

/** The Workers-style execution context handed to fetch handlers. */
export interface FetchExecutionContext {
  /**
   * Lets work continue after the Response is produced. Nimbus awaits every such promise
   * before the call completes (an instance may be frozen or stopped once it is idle, so
   * work cannot safely outlive its call); the client's response therefore waits for them
   * too. A rejected promise is logged, it does not fail the call.
   */
  waitUntil(promise: unknown): void;
  /** Accepted for compatibility; there is no origin behind a Nimbus function to fall back to. */
  passThroughOnException(): void;
  readonly props: Record<string, unknown>;
}

/**
 * Throws HandlerNotFoundError if the export is missing or not callable. The returned handler
 * rejects with the user's own error when the function throws, and with ResponseInvalidError
 * for an invalid answer. With a `streamer`, responses that stream go out through it (and the
 * handler resolves to STREAMED); without one they are collected into one HttpResult.
 */
export function createInstanceHandler(
  moduleExports: Record<string, unknown>,
  exportName: string,
  identity: FunctionIdentity,
  streamer?: ResponseStreamer,
): InstanceHandler {
  const target = moduleExports[exportName];
  const label = exportName === "default" ? "The default export" : `The export "${exportName}"`;
  if (target === undefined) {
    const available = Object.keys(moduleExports).join(", ") || "none";
    throw new HandlerNotFoundError(`The module has no export named "${exportName}" (exports: ${available})`);
  }
  // Taken once: the environment is fixed when the instance is specialised.
  const env: Readonly<Record<string, string>> = Object.freeze(snapshotEnv());
  if (hasFetchMethod(target)) {
    const call: FetchCall = (request, envArg, ctx) => target.fetch(request, envArg, ctx);
    return (request, info) => invokeFetch(call, request, env, info.requestId, streamer);
  }
  if (typeof target === "function") {
    if (exportName === "default") {
      return (request, info) => invokeFetch(target as FetchCall, request, env, info.requestId, streamer);
    }
    // The identity given at creation is authoritative: an instance serves one function for life.
    if (isStreamingHandler(target)) {
      const streaming = target as Parameters<typeof invokeLambdaStreaming>[0];
      return (request, info) => invokeLambdaStreaming(streaming, request, { ...info, identity }, streamer);
    }
    return (request, info) => invokeLambda(target as LambdaHandler, request, { ...info, identity });
  }
  throw new HandlerNotFoundError(
    `${label} is ${target === null ? "null" : `a ${typeof target}`}; expected a function or an object with a fetch method`,
  );
}

function hasFetchMethod(value: unknown): value is { fetch: FetchCall } {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { fetch?: unknown }).fetch === "function"
  );
}

function snapshotEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    // A rotated token must reach handlers that read it from `env`: a getter reads it live.
    if (LIVE_VARIABLES.includes(name)) {
      Object.defineProperty(env, name, { enumerable: true, get: () => process.env[name] ?? "" });
    } else env[name] = value;
  }
  return env;
}

async function invokeFetch(
  call: FetchCall,
  request: InvocationRequest,
  env: Readonly<Record<string, string>>,
  requestId: string,
  streamer: ResponseStreamer | undefined,
): Promise<HttpResult | Streamed> {
  const pending: Promise<unknown>[] = [];
  const ctx: FetchExecutionContext = {
    waitUntil: (promise) => {
      pending.push(Promise.resolve(promise));
    },
    passThroughOnException: () => {},
    // What the route's authorizer verified, as requestContext.authorizer of a Lambda event.
    props:
      request.kind === "http" && request.authorizer !== undefined ? { authorizer: request.authorizer } : {},
  };
  const fetchRequest = request.kind === "http" ? toFetchRequest(request) : toDirectFetchRequest(request);
  const returned = await call(fetchRequest, env, ctx);
  const result =
    streamer === undefined
      ? await fromFetchResponse(returned)
      : await fetchResult(responseHead(returned), requestId, streamer);
  await settleBackgroundWork(pending);
  return result;
}

/** waitUntil may be called again from inside background work; drain until nothing is left. */
async function settleBackgroundWork(pending: Promise<unknown>[]): Promise<void> {
  while (pending.length > 0) {
    const batch = pending.splice(0);
    for (const outcome of await Promise.allSettled(batch)) {
      if (outcome.status === "rejected") console.error("A ctx.waitUntil promise rejected:", outcome.reason);
    }
  }
}

/**
 * Completion rules, as the AWS Node.js runtime had them before Node 24 dropped callbacks:
 * a returned promise settles the call; a handler declaring three parameters that returns no
 * promise completes through its callback (or context.done/succeed/fail); any other handler's
 * return value is its result. The first completion wins. Legacy context.succeed() called
 * later from a non-async two-parameter handler is therefore not awaited: declare the
 * callback parameter or return a promise.
 */
function invokeLambda(
  handler: LambdaHandler,
  request: InvocationRequest,
  info: InvokeContextInfo,
): Promise<HttpResult> {
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const completion = {
      resolve: (result: unknown) => {
        if (settled) return;
        settled = true;
        resolve(result);
      },
      reject: (error: unknown) => {
        if (settled) return;
        settled = true;
        reject(toError(error));
      },
    };
    const callback: LambdaCallback = (error, result) => {
      if (error !== undefined && error !== null) completion.reject(error);
      else completion.resolve(result);
    };
    let returned: unknown;
    try {
      const event =
        request.kind === "http"
          ? toLambdaHttpEvent(request, info.requestId, info.identity)
          : toDirectLambdaEvent(request);
      const withClient =
        request.kind === "direct" && request.clientContext !== undefined
          ? { ...info, clientContext: JSON.parse(request.clientContext) as unknown }
          : info;
      returned = handler(event, createLambdaContext(withClient, completion), callback);
    } catch (error) {
      completion.reject(error);
      return;
    }
    if (isThenable(returned)) returned.then(completion.resolve, completion.reject);
    else if (handler.length < 3) completion.resolve(returned);
  }).then(request.kind === "http" ? fromLambdaHttpResult : fromDirectLambdaResult);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** callback("boom") is allowed by Lambda; the shim reports Errors, so strings are wrapped. */
function toError(error: unknown): unknown {
  if (error instanceof Error) return error;
  if (typeof error === "string") return new Error(error);
  let text: string;
  try {
    text = JSON.stringify(error) ?? String(error);
  } catch {
    text = String(error);
  }
  return new Error(text);
}
