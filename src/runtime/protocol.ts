// What crosses between the server and a function instance. The server never knows the
// handler style: it sends a neutral request and the shim inside the instance turns it
// into a fetch Request or an API Gateway v2 event (see shim/handler-adapter.ts).
import type { ErrorCode } from "../core/errors.ts";

/** An HTTP request as the gateway saw it, neutral of handler style. */
export interface HttpInvocationRequest {
  readonly kind: "http";
  /** Upper-case method, e.g. "GET". */
  readonly method: string;
  /** The path as received, percent-encoding kept: "/users/42". */
  readonly rawPath: string;
  /** Everything after "?", without it; "" when absent. */
  readonly rawQueryString: string;
  /** Header pairs in arrival order, names lower-cased, repeats kept as separate pairs. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Raw body bytes; null when the request had none. */
  readonly body: Uint8Array | null;
  /** The matched route key, "GET /users/{id}" or "$default". */
  readonly routeKey: string;
  /** Decoded path parameters; greedy {path+} holds the rest of the path. */
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  /** Host header value (domainName in the Lambda event). */
  readonly domainName: string;
  /** When the gateway received the request, epoch ms. */
  readonly requestTimeEpoch: number;
  /** What the route's authorizer verified (requestContext.authorizer, ctx.props.authorizer); absent without auth. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
}

/**
 * A direct call (`nimbus invoke`, the admin API): the payload as the caller sent it. A
 * Lambda-style handler gets it as its event (parsed JSON), a fetch-style one as the body
 * of a `POST /` request.
 */
export interface DirectInvocationRequest {
  readonly kind: "direct";
  readonly payload: Uint8Array;
  /** The caller's client context (the Invoke API's X-Amz-Client-Context, decoded: JSON text). */
  readonly clientContext?: string;
  /**
   * Events (queue batches, …): how a fetch-style handler sees this call instead, as a CloudEvents
   * binary-mode `POST /` (ce-* headers plus the body). Lambda-style handlers and custom runtimes
   * still get `payload` (the AWS-shaped event).
   */
  readonly fetchRequest?: {
    readonly headers: ReadonlyArray<readonly [string, string]>;
    readonly body: Uint8Array;
  };
}

export type InvocationRequest = HttpInvocationRequest | DirectInvocationRequest;

/** What the function answered, neutral of handler style. */
export interface HttpResult {
  readonly status: number;
  /** Header pairs; a name may repeat (set-cookie). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
}

/** Identity of the function an instance serves, given at specialisation. */
export interface FunctionIdentity {
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  readonly memoryMb: number;
  readonly timeoutMs: number;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** Stack with frames mapped to the original TypeScript source lines. */
  readonly stack?: string;
}

// ---- server → instance ----
export interface SpecializeMessage {
  readonly type: "specialize";
  /** Absolute path of the bundled ESM file. */
  readonly bundlePath: string;
  readonly exportName: string;
  /** The complete environment of the function: declared env plus NIMBUS_* variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly identity: FunctionIdentity;
}

export interface InvokeMessage {
  readonly type: "invoke";
  readonly requestId: string;
  /** Epoch ms after which the server kills the instance. */
  readonly deadlineMs: number;
  readonly request: InvocationRequest;
}

/** Replaces credential variables in a running instance (a rotated NIMBUS_TOKEN). */
export interface CredentialsMessage {
  readonly type: "credentials";
  readonly credentials: Readonly<Record<string, string>>;
}

/**
 * Variables that change while an instance runs (pushed by CredentialsMessage). The `env`
 * handed to fetch handlers reads them live instead of keeping the value it had at start.
 */
export const LIVE_VARIABLES: readonly string[] = ["NIMBUS_TOKEN", "NIMBUS_TOKEN_EXPIRES_AT"];

export type ServerToInstance = SpecializeMessage | InvokeMessage | CredentialsMessage;

// ---- instance → server ----
/** Sent once the generic shim process is up and waiting to be specialised. */
export interface StemReadyMessage {
  readonly type: "stem-ready";
}

export interface SpecializedMessage {
  readonly type: "specialized";
  /** Time spent importing the bundle and running its top-level code. */
  readonly initDurationMs: number;
}

export interface InitErrorMessage {
  readonly type: "init-error";
  readonly code: Extract<ErrorCode, "FUNCTION_INIT_ERROR" | "HANDLER_NOT_FOUND">;
  readonly error: SerializedError;
}

export interface ResultMessage {
  readonly type: "result";
  readonly requestId: string;
  readonly result: HttpResult;
  /** process.resourceUsage().maxRSS of the instance after the call, in KB. */
  readonly maxRssKb: number;
}

export interface InvokeErrorMessage {
  readonly type: "invoke-error";
  readonly requestId: string;
  readonly code: Extract<ErrorCode, "FUNCTION_ERROR" | "FUNCTION_RESPONSE_INVALID">;
  readonly error: SerializedError;
  readonly maxRssKb: number;
}

/**
 * A streamed response (awslambda.streamifyResponse, or a fetch Response whose body is not
 * all there at once) starts: status and headers now, the body in response-chunk messages,
 * then response-end, or invoke-error if the function fails part-way (the body is cut).
 */
export interface ResponseStartMessage {
  readonly type: "response-start";
  readonly requestId: string;
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export interface ResponseChunkMessage {
  readonly type: "response-chunk";
  readonly requestId: string;
  readonly chunk: Uint8Array;
}

export interface ResponseEndMessage {
  readonly type: "response-end";
  readonly requestId: string;
  readonly maxRssKb: number;
}

export type InstanceToServer =
  | StemReadyMessage
  | SpecializedMessage
  | InitErrorMessage
  | ResultMessage
  | InvokeErrorMessage
  | ResponseStartMessage
  | ResponseChunkMessage
  | ResponseEndMessage;

/**
 * Lines printed by function code are written to stdout/stderr by the shim's console as
 * `LOG_MARKER + requestId + "\t" + level + "\t" + JSON.stringify(message)` (one console
 * call is one line, whatever newlines it holds); the server splits lines and
 * attributes them. Lines without the marker (raw process.stdout writes) belong to the
 * only call in flight, or to no call.
 */
export const LOG_MARKER = "\u001eNIMBUS\u001f";
