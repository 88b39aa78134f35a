// The Lambda Invoke API, so AWS tooling talks to Nimbus unchanged:
//   POST /_nimbus/lambda/<app>/2015-03-31/functions/<FunctionName>/invocations
// i.e. an AWS SDK or CLI with endpoint http://<nimbus>/_nimbus/lambda/<app> (each app is
// its own "account"). Raw node:http, not the admin API's Fastify: SigV4 needs the body's
// exact bytes, and the answers are Lambda's, not Nimbus's JSON errors.
//
// X-Amz-Invocation-Type: RequestResponse (default; 200, the function's bytes, or 200 with
// X-Amz-Function-Error and an error payload), Event (202, queued durably through the async
// invocation service when the platform has one, with its qualifier: each attempt resolves it), DryRun (204: the function exists and the
// caller may invoke it). X-Amz-Log-Type: Tail adds X-Amz-Log-Result. X-Amz-Client-Context
// (base64 JSON) reaches the function. Every answer carries x-amzn-RequestId, and calls
// carry X-Amz-Executed-Version: the version that served them.
import type { IncomingMessage, ServerResponse } from "node:http";
import { NimbusError } from "../../core/errors.ts";
import { newRequestId } from "../../core/ids.ts";
import { appResource } from "../../core/policy/index.ts";
import { BODY_TOO_LARGE, ClientAbortedError, readBody } from "../../gateway/index.ts";
import type { Identity } from "../../identity/index.ts";
import type { Recorder } from "../../observe/index.ts";
import type { FunctionPool, InvocationOutcome } from "../../runtime/index.ts";
import type { LogStore } from "../../store/ports.ts";
import { authenticateCaller } from "./caller.ts";
import { functionErrorPayload, isFunctionFailure } from "./function-error-payload.ts";
import { type FunctionTarget, parseFunctionTarget } from "./function-name.ts";
import { fromNimbusError, type LambdaApiError, lambdaError, sendLambdaError } from "./lambda-errors.ts";
import { formatLogTail } from "./log-tail.ts";

export const LAMBDA_API_PREFIX = "/_nimbus/lambda/";
const INVOKE_PATH =
  /^\/_nimbus\/lambda\/([a-z][a-z0-9-]{0,62})\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's synchronous payload limit. */
const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's limit on X-Amz-Client-Context (base64). */
const MAX_CLIENT_CONTEXT_BYTES = 3583;

export type EnqueueAsync = (input: {
  app: string;
  functionName: string;
  payload: Uint8Array;
  /** An alias or version number; undefined: $LATEST. */
  qualifier: string | undefined;
}) => Promise<{ id: string }>;

export interface InvokeApiOptions {
  /** The pool for a call at a qualifier (Deployer.poolFor): undefined when nothing serves it. */
  readonly poolFor: (
    app: string,
    functionName: string,
    qualifier: string | undefined,
  ) => Promise<FunctionPool | undefined>;
  readonly identity: Pick<Identity, "resolveAccessKey" | "authenticator" | "authorizer">;
  readonly recorder: Recorder;
  readonly logs: LogStore;
  /** The durable async invocation service; without it an Event runs in the background, unqueued. */
  readonly enqueueAsync?: EnqueueAsync;
  readonly onError?: (error: unknown) => void;
}

class ApiError extends Error {
  readonly error: LambdaApiError;
  constructor(error: LambdaApiError) {
    super(error.message);
    this.error = error;
  }
}

function notFound(app: string, target: FunctionTarget): ApiError {
  const qualified =
    target.qualifier === undefined ? target.functionName : `${target.functionName}:${target.qualifier}`;
  return new ApiError(
    lambdaError(404, "ResourceNotFoundException", `Function not found: ${app}/${qualified}`),
  );
}

function decodeClientContext(header: string | string[] | undefined): string | undefined {
  if (typeof header !== "string" || header === "") return undefined;
  if (header.length > MAX_CLIENT_CONTEXT_BYTES) {
    throw new ApiError(
      lambdaError(
        400,
        "InvalidParameterValueException",
        `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes`,
      ),
    );
  }
  const text = Buffer.from(header, "base64").toString("utf8");
  try {
    JSON.parse(text);
  } catch {
    throw new ApiError(
      lambdaError(400, "InvalidRequestContentException", "Client context must be base64-encoded JSON"),
    );
  }
  return text;
}

export function createInvokeApi(
  options: InvokeApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = newRequestId();
    serve(options, req, res, requestId).catch((error: unknown) => {
      if (error instanceof ClientAbortedError) {
        res.destroy();
        return;
      }
      const answer =
        error instanceof ApiError
          ? error.error
          : error instanceof NimbusError
            ? fromNimbusError(error.code, error.message, { ...error.headers })
            : undefined;
      if (answer === undefined) options.onError?.(error);
      if (res.headersSent) res.destroy();
      else sendLambdaError(res, requestId, answer ?? fromNimbusError("INTERNAL", "", {}));
    });
  };
}

async function serve(
  options: InvokeApiOptions,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
) {
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const match = INVOKE_PATH.exec(path);
  if (match === null || req.method !== "POST") {
    throw new ApiError(
      lambdaError(
        404,
        "UnknownOperationException",
        `${req.method} ${path} is not an operation of the Lambda API here`,
      ),
    );
  }
  const app = match[1] as string;
  const body = await readBody(req, MAX_SYNC_PAYLOAD_BYTES);
  if (body === BODY_TOO_LARGE) {
    res.shouldKeepAlive = false; // the rest of the upload is never read
    throw new ApiError(
      lambdaError(
        413,
        "RequestTooLargeException",
        `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes`,
      ),
    );
  }
  const payload = body ?? Buffer.alloc(0);
  const caller = await authenticateCaller(req, payload, options.identity);
  if (!caller.ok) throw new ApiError(caller.error);

  const query = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1));
  const parsed = parseFunctionTarget(
    decodeURIComponent(match[2] as string),
    query.get("Qualifier") ?? undefined,
  );
  if (!parsed.ok) throw new ApiError(lambdaError(400, "InvalidParameterValueException", parsed.message));
  const target = parsed.value;
  const resource = appResource(app, `function/${target.functionName}`);
  await options.identity.authorizer.assertAllowed(caller.principal, "functions:Invoke", resource);
  const pool = await options.poolFor(app, target.functionName, target.qualifier);
  if (pool === undefined) throw notFound(app, target);

  const invocationType = (req.headers["x-amz-invocation-type"] as string | undefined) ?? "RequestResponse";
  const common = ["x-amzn-requestid", requestId];
  switch (invocationType) {
    case "DryRun":
      res.writeHead(204, common);
      res.end();
      return;
    case "Event":
      await invokeLater(options, app, target, pool, payload, requestId);
      res.writeHead(202, [...common, "content-length", "0"]);
      res.end();
      return;
    case "RequestResponse":
      break;
    default:
      throw new ApiError(
        lambdaError(400, "InvalidParameterValueException", `Unknown invocation type "${invocationType}"`),
      );
  }
  const clientContext = decodeClientContext(req.headers["x-amz-client-context"]);
  const outcome = await pool.invoke(
    { kind: "direct", payload, ...(clientContext === undefined ? {} : { clientContext }) },
    { requestId },
  );
  if (outcome.status === "error" && !isFunctionFailure(outcome.errorCode)) {
    throw new NimbusError(outcome.errorCode ?? "INTERNAL", outcome.errorMessage ?? "The call failed");
  }
  const headers = [...common, "x-amz-executed-version", outcome.version, "content-type", "application/json"];
  if (req.headers["x-amz-log-type"] === "Tail") {
    headers.push("x-amz-log-result", await logTail(options, outcome, pool.deployment.config.memoryMb));
  }
  let answer: Uint8Array;
  if (outcome.status === "error") {
    const failure = functionErrorPayload(outcome);
    headers.push("x-amz-function-error", failure.kind);
    answer = Buffer.from(JSON.stringify(failure.body));
  } else answer = outcome.response?.body ?? Buffer.alloc(0);
  headers.push("content-length", String(answer.byteLength));
  res.writeHead(200, headers);
  res.end(answer);
}

async function logTail(
  options: InvokeApiOptions,
  outcome: InvocationOutcome,
  memoryMb: number,
): Promise<string> {
  // Lines are written behind the hot path: flush, then read this call's.
  await options.recorder.flush();
  const lines = await options.logs.queryLogs({ app: outcome.app, requestId: outcome.requestId, limit: 1000 });
  return formatLogTail(outcome, lines, memoryMb);
}

/** Event: durable through the async service when there is one; otherwise run after answering. */
async function invokeLater(
  options: InvokeApiOptions,
  app: string,
  target: FunctionTarget,
  pool: FunctionPool,
  payload: Uint8Array,
  requestId: string,
): Promise<void> {
  if (options.enqueueAsync !== undefined) {
    const qualifier = target.qualifier === "$LATEST" ? undefined : target.qualifier;
    await options.enqueueAsync({ app, functionName: target.functionName, payload, qualifier });
    return;
  }
  // Not durable: a stop or crash before the call runs loses it (see ARCHITECTURE.md).
  pool.invoke({ kind: "direct", payload }, { requestId }).catch((error: unknown) => options.onError?.(error));
}
