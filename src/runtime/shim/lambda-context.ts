// The Lambda `context` object, with the fields and methods the AWS Node.js runtime gives.
// Runs inside function processes: no server imports.
import type { FunctionIdentity } from "../protocol.ts";
import { LOCAL_ACCOUNT_ID } from "./lambda-http-event.ts";

export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  /** A string, as AWS gives it. */
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  /**
   * Accepted for compatibility and ignored: an instance is a long-lived process, so a call
   * ends when its handler settles, never by waiting for the event loop to drain.
   */
  callbackWaitsForEmptyEventLoop: boolean;
  /** The Invoke API caller's client context (parsed JSON), for direct calls that sent one. */
  clientContext?: unknown;
  getRemainingTimeInMillis(): number;
  /** Legacy completion methods (pre-async handlers); the first completion wins. */
  done(error?: unknown, result?: unknown): void;
  succeed(result?: unknown): void;
  fail(error: unknown): void;
}

/** How the context reports a legacy completion back to the adapter. */
export interface LambdaCompletion {
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

export interface LambdaContextInfo {
  readonly requestId: string;
  readonly deadlineMs: number;
  readonly identity: FunctionIdentity;
  readonly clientContext?: unknown;
}

export function createLambdaContext(info: LambdaContextInfo, completion: LambdaCompletion): LambdaContext {
  const { identity, deadlineMs } = info;
  return {
    functionName: identity.functionName,
    functionVersion: identity.version,
    invokedFunctionArn: `arn:aws:lambda:local:${LOCAL_ACCOUNT_ID}:function:${identity.functionName}`,
    memoryLimitInMB: String(identity.memoryMb),
    awsRequestId: info.requestId,
    logGroupName: `/nimbus/${identity.app}/${identity.functionName}`,
    logStreamName: `${identity.version}/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    clientContext: info.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: (error?: unknown, result?: unknown) => {
      if (error !== undefined && error !== null) completion.reject(error);
      else completion.resolve(result);
    },
    succeed: (result?: unknown) => completion.resolve(result),
    fail: (error: unknown) => completion.reject(error),
  };
}
