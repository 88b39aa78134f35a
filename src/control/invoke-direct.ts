// A direct call (nimbus invoke, the admin API): the payload goes to the function as it is,
// as `aws lambda invoke` does — the event of a Lambda-style handler, the body of a POST
// request for a fetch-style one.
import { NimbusError } from "../core/errors.ts";
import type { LiveApp } from "./live-app.ts";

export interface DirectInvokeResult {
  readonly requestId: string;
  readonly functionName: string;
  readonly version: string;
  readonly cold: boolean;
  readonly durationMs: number;
  readonly status: "success" | "error";
  readonly errorCode: string | undefined;
  /** HTTP status of a fetch-style answer; 200 for a Lambda-style result. */
  readonly statusCode: number | undefined;
  /** The answer as text (the JSON result of a Lambda-style handler). */
  readonly body: string;
}

export async function invokeDirect(
  live: LiveApp,
  functionName: string,
  payload: Uint8Array,
  requestId: string,
): Promise<DirectInvokeResult> {
  const outcome = await live.invoke(functionName, { kind: "direct", payload }, requestId);
  if (outcome.status === "error" && outcome.errorCode) {
    // The caller sees the same error as through the gateway, with the invocation id to look up.
    const error = new NimbusError(outcome.errorCode, outcome.errorMessage ?? "The function failed", {
      details: { requestId },
    });
    return {
      requestId,
      functionName,
      version: outcome.version,
      cold: outcome.cold,
      durationMs: outcome.durationMs,
      status: "error",
      errorCode: error.code,
      statusCode: error.status,
      body: JSON.stringify(error.toBody(requestId)),
    };
  }
  return {
    requestId,
    functionName,
    version: outcome.version,
    cold: outcome.cold,
    durationMs: outcome.durationMs,
    status: "success",
    errorCode: undefined,
    statusCode: outcome.response?.status,
    body: Buffer.from(outcome.response?.body ?? new Uint8Array()).toString("utf8"),
  };
}
