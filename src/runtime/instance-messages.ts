// Messages from an instance are checked before use: function code runs in that process and
// can call process.send itself, so a malformed message must stop the instance, not throw
// inside the server. Hand-written guards instead of zod because the result message is on
// the hot path (one per call) and these checks cost a few property reads, with no copy.
import type { HttpResult, InstanceToServer, SerializedError } from "./protocol.ts";

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    isObject(value) &&
    typeof value.name === "string" &&
    typeof value.message === "string" &&
    (value.stack === undefined || typeof value.stack === "string")
  );
}

function isHeaderPairs(headers: unknown): boolean {
  if (!Array.isArray(headers)) return false;
  for (const pair of headers) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") return false;
  }
  return true;
}

export function isHttpResult(value: unknown): value is HttpResult {
  if (!isObject(value) || !Number.isInteger(value.status) || !(value.body instanceof Uint8Array))
    return false;
  return isHeaderPairs(value.headers);
}

/** The message if it is well formed, otherwise undefined. */
export function readInstanceMessage(value: unknown): InstanceToServer | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case "result":
      return typeof value.requestId === "string" &&
        typeof value.maxRssKb === "number" &&
        isHttpResult(value.result)
        ? (value as unknown as InstanceToServer)
        : undefined;
    case "invoke-error":
      return typeof value.requestId === "string" &&
        (value.code === "FUNCTION_ERROR" || value.code === "FUNCTION_RESPONSE_INVALID") &&
        typeof value.maxRssKb === "number" &&
        isSerializedError(value.error)
        ? (value as unknown as InstanceToServer)
        : undefined;
    case "response-chunk":
      return typeof value.requestId === "string" && value.chunk instanceof Uint8Array
        ? (value as unknown as InstanceToServer)
        : undefined;
    case "response-start":
      return typeof value.requestId === "string" &&
        Number.isInteger(value.status) &&
        isHeaderPairs(value.headers)
        ? (value as unknown as InstanceToServer)
        : undefined;
    case "response-end":
      return typeof value.requestId === "string" && typeof value.maxRssKb === "number"
        ? (value as unknown as InstanceToServer)
        : undefined;
    case "stem-ready":
      return value as unknown as InstanceToServer;
    case "specialized":
      return typeof value.initDurationMs === "number" ? (value as unknown as InstanceToServer) : undefined;
    case "init-error":
      return (value.code === "FUNCTION_INIT_ERROR" || value.code === "HANDLER_NOT_FOUND") &&
        isSerializedError(value.error)
        ? (value as unknown as InstanceToServer)
        : undefined;
    default:
      return undefined;
  }
}
