// Errors of the Lambda Invoke API as AWS answers them (REST-JSON): the status, the error type
// in x-amzn-ErrorType (which the AWS SDKs read to name the exception) and a body
// {"Type": "User"|"Service", "message": …}.
import type { ServerResponse } from "node:http";
import type { ErrorCode } from "../../core/errors.ts";

export interface LambdaApiError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  /** "User": the caller's request; "Service": Lambda's (Nimbus's) side. */
  readonly fault: "User" | "Service";
  readonly headers?: Readonly<Record<string, string>>;
}

export function lambdaError(
  status: number,
  type: string,
  message: string,
  fault: "User" | "Service" = "User",
  headers?: Readonly<Record<string, string>>,
): LambdaApiError {
  return { status, type, message, fault, ...(headers === undefined ? {} : { headers }) };
}

/** Nimbus errors that reach the Invoke API before or instead of the function, in Lambda's words. */
export function fromNimbusError(
  code: ErrorCode,
  message: string,
  headers: Record<string, string>,
): LambdaApiError {
  switch (code) {
    case "TOO_MANY_REQUESTS":
      return lambdaError(429, "TooManyRequestsException", message, "User", headers);
    case "FUNCTION_NOT_FOUND":
    case "APP_NOT_FOUND":
    case "DEPLOYMENT_NOT_FOUND":
      return lambdaError(404, "ResourceNotFoundException", message);
    case "ACCESS_DENIED":
      return lambdaError(403, "AccessDeniedException", message);
    case "CREDENTIALS_INVALID":
      return lambdaError(403, "UnrecognizedClientException", message);
    case "BAD_REQUEST":
      return lambdaError(400, "InvalidParameterValueException", message);
    case "PAYLOAD_TOO_LARGE":
      return lambdaError(413, "RequestTooLargeException", message);
    case "PLATFORM_UNAVAILABLE":
      return lambdaError(503, "ServiceException", message, "Service");
    default:
      return lambdaError(500, "ServiceException", "Internal error", "Service");
  }
}

export function sendLambdaError(res: ServerResponse, requestId: string, error: LambdaApiError): void {
  const body = Buffer.from(JSON.stringify({ Type: error.fault, message: error.message }));
  const headers: string[] = [
    "x-amzn-requestid",
    requestId,
    "x-amzn-errortype",
    error.type,
    "content-type",
    "application/json",
    "content-length",
    String(body.byteLength),
  ];
  for (const [name, value] of Object.entries(error.headers ?? {})) headers.push(name, value);
  res.writeHead(error.status, headers);
  res.end(body);
}
