// What the Invoke API answers for a call that failed in the function: status 200 (the
// invocation itself worked), X-Amz-Function-Error, and a JSON payload
// {errorType, errorMessage, stackTrace?}. As Lambda's Invoke documentation puts it:
// "Handled" — the runtime caught an error the function threw (a throw or rejection in a
// Node handler, a custom runtime's POST …/error) and formatted it; "Unhandled" — the runtime
// did not handle it: the function timed out, ran out of memory, exited, failed to load, or
// answered something that is not a response. Error types are Lambda's for the same cases.
import type { InvocationOutcome } from "../../runtime/index.ts";

export interface FunctionErrorPayload {
  readonly kind: "Handled" | "Unhandled";
  readonly body: { errorType: string; errorMessage: string; stackTrace?: string[] };
}

const UNHANDLED_TYPES: Readonly<Record<string, string>> = {
  FUNCTION_TIMEOUT: "Sandbox.Timedout",
  FUNCTION_OUT_OF_MEMORY: "Runtime.OutOfMemory",
  FUNCTION_ERROR: "Runtime.ExitError",
  FUNCTION_INIT_ERROR: "Runtime.InitError",
  HANDLER_NOT_FOUND: "Runtime.HandlerNotFound",
  FUNCTION_RESPONSE_INVALID: "Runtime.InvalidResponse",
};

/** The codes that mean "the function failed" (200 + X-Amz-Function-Error), not "Nimbus refused". */
export function isFunctionFailure(code: string | undefined): boolean {
  return code !== undefined && code in UNHANDLED_TYPES;
}

function stackFrames(stack: string | undefined): string[] | undefined {
  if (stack === undefined) return undefined;
  const frames = stack
    .split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return frames.length > 0 ? frames : undefined;
}

export function functionErrorPayload(outcome: InvocationOutcome): FunctionErrorPayload {
  const reported = outcome.functionError;
  if (reported !== undefined && outcome.errorCode === "FUNCTION_ERROR") {
    const stackTrace = stackFrames(reported.stack);
    return {
      kind: "Handled",
      body: {
        errorType: reported.name,
        errorMessage: reported.message,
        ...(stackTrace === undefined ? {} : { stackTrace }),
      },
    };
  }
  const code = outcome.errorCode ?? "FUNCTION_ERROR";
  // A runtime that named its invalid response ("Function.ResponseSizeTooLarge") keeps the name.
  const errorType =
    reported?.name.includes(".") === true ? reported.name : (UNHANDLED_TYPES[code] ?? "Runtime.Unknown");
  return {
    kind: "Unhandled",
    body: {
      errorType,
      errorMessage: `RequestId: ${outcome.requestId} Error: ${outcome.errorMessage ?? code}`,
    },
  };
}
