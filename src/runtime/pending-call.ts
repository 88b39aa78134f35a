// One call from acceptance by a pool to its outcome. A plain object with its own fields
// (no closures per call beyond the promise's) that moves from the pool's queue to an
// instance; whoever settles it builds the outcome here, so every path reports the same way.
import type { ErrorCode } from "../core/errors.ts";
import type { HttpResult, InvocationRequest, SerializedError } from "./protocol.ts";
import type { StreamedResponse } from "./streamed-response.ts";
import type { FunctionDeployment, InvocationOutcome } from "./types.ts";

export interface CallResult {
  readonly maxRssKb: number | undefined;
  readonly errorCode: ErrorCode | undefined;
  readonly errorMessage: string | undefined;
  readonly response: HttpResult | undefined;
  /** The error the function reported itself (a throw, a runtime's /error). */
  readonly functionError?: SerializedError;
}

const EMPTY_BODY = new Uint8Array(0);

export class PendingCall {
  readonly requestId: string;
  readonly request: InvocationRequest;
  /** Epoch ms, for the record. */
  readonly startedAt: number;
  /** Monotonic ms, for the duration. */
  readonly startedMs: number;
  readonly promise: Promise<InvocationOutcome>;
  readonly resolve: (outcome: InvocationOutcome) => void;
  readonly reject: (error: Error) => void;
  /** The per-call timeout timer, while the call runs on an instance. */
  timer: NodeJS.Timeout | undefined = undefined;
  /** Set when the call is the first dispatched to a newly specialised instance. */
  cold = false;
  initDurationMs: number | undefined = undefined;
  /** Set once the function started streaming its response. */
  stream: StreamedResponse | undefined = undefined;
  /** The caller takes the response as a stream (the gateway); see InvokeOptions. */
  acceptsStream = false;

  constructor(requestId: string, request: InvocationRequest) {
    this.requestId = requestId;
    this.request = request;
    this.startedAt = Date.now();
    this.startedMs = performance.now();
    const { promise, resolve, reject } = Promise.withResolvers<InvocationOutcome>();
    this.promise = promise;
    this.resolve = resolve;
    this.reject = reject;
  }

  /**
   * A caller that accepts streams gets the response now, before the call ends; the record
   * comes at the end. For any other caller the chunks are kept for the final outcome.
   */
  startStream(deployment: FunctionDeployment, stream: StreamedResponse): void {
    this.stream = stream;
    if (!this.acceptsStream) return;
    const response: HttpResult = { status: stream.status, headers: stream.headers, body: EMPTY_BODY };
    const outcome = this.outcome(deployment, {
      maxRssKb: undefined,
      errorCode: undefined,
      errorMessage: undefined,
      response,
    });
    this.resolve({ ...outcome, stream });
  }

  outcome(deployment: FunctionDeployment, result: CallResult): InvocationOutcome {
    const durationMs = performance.now() - this.startedMs;
    return {
      requestId: this.requestId,
      app: deployment.app,
      functionName: deployment.config.name,
      version: deployment.version,
      startedAt: this.startedAt,
      durationMs,
      billedDurationMs: Math.ceil(durationMs),
      cold: this.cold,
      initDurationMs: this.initDurationMs,
      peakMemoryMb: result.maxRssKb === undefined ? undefined : Math.round(result.maxRssKb / 1024),
      status: result.errorCode === undefined ? "success" : "error",
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      response: result.response,
      functionError: result.functionError,
    };
  }
}
