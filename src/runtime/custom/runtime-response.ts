// What a custom runtime posts, in the words the rest of the runtime uses. A response to an
// HTTP call is read exactly as a Node Lambda handler's return value is (the shim's pure
// mapping module: statusCode, headers, cookies, body, isBase64Encoded, or inferred JSON); a
// response to a direct call is passed back byte for byte, as the Invoke API does. Error
// bodies follow the Runtime API's shape ({errorMessage, errorType, stackTrace}), but a
// runtime that posts anything else still gets its text into the logs.
import type { HttpResult, SerializedError } from "../protocol.ts";
import { fromLambdaHttpResult } from "../shim/lambda-http-response.ts";
import { ResponseInvalidError } from "../shim/shim-errors.ts";

const DIRECT_HEADERS: ReadonlyArray<readonly [string, string]> = [["content-type", "application/json"]];
/** A message longer than this is cut: it goes into logs and records. */
const MAX_ERROR_MESSAGE_CHARS = 16 * 1024;

/** Throws ResponseInvalidError when an HTTP call's response is not a valid API Gateway answer. */
export function resultOfResponse(kind: "http" | "direct", body: Uint8Array): HttpResult {
  if (kind === "direct") return { status: 200, headers: DIRECT_HEADERS, body };
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  let value: unknown = null;
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      // API Gateway answers 502 to a Lambda response that is not JSON; so does Nimbus.
      throw new ResponseInvalidError(
        `The runtime's response to an HTTP call is not JSON (starts with ${JSON.stringify(text.slice(0, 40))}); post a JSON value or {"statusCode": …, "body": …}`,
      );
    }
  }
  return fromLambdaHttpResult(value);
}

function asStringArray(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((line) => (typeof line === "string" ? line : JSON.stringify(line)));
}

/**
 * The error a runtime reported (POST …/error or /init/error). `errorType` names it (the
 * Lambda-Runtime-Function-Error-Type header when the body has none).
 */
export function errorOfReport(body: Uint8Array, errorTypeHeader: string | undefined): SerializedError {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      parsed = value as Record<string, unknown>;
    }
  } catch {
    parsed = undefined;
  }
  const name =
    (typeof parsed?.errorType === "string" && parsed.errorType) || errorTypeHeader || "Runtime.Unknown";
  const rawMessage =
    parsed === undefined
      ? text
      : typeof parsed.errorMessage === "string"
        ? parsed.errorMessage
        : JSON.stringify(parsed);
  const message = rawMessage.slice(0, MAX_ERROR_MESSAGE_CHARS);
  const frames = asStringArray(parsed?.stackTrace);
  const error: SerializedError =
    frames === undefined || frames.length === 0
      ? { name, message }
      : {
          name,
          message,
          stack: [`${name}: ${message}`, ...frames.map((frame) => `    ${frame}`)].join("\n"),
        };
  return error;
}
