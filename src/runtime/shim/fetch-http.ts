// Web-standard mapping for fetch-style handlers: InvocationRequest → Request, Response → HttpResult.
// Runs inside function processes: no server imports.
import type { HttpInvocationRequest, HttpResult } from "../protocol.ts";
import { ResponseInvalidError } from "./shim-errors.ts";

/** The full URL is rebuilt from the Host header; https only when a proxy in front says so. */
export function toFetchRequest(request: HttpInvocationRequest): Request {
  const headers = new Headers();
  let forwardedProto: string | undefined;
  for (const [name, value] of request.headers) {
    headers.append(name, value);
    if (name === "x-forwarded-proto") forwardedProto = value;
  }
  const scheme = forwardedProto?.split(",")[0]?.trim() === "https" ? "https" : "http";
  const host = request.domainName === "" ? "localhost" : request.domainName;
  const query = request.rawQueryString === "" ? "" : `?${request.rawQueryString}`;
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  return new Request(`${scheme}://${host}${request.rawPath}${query}`, {
    method: request.method,
    headers,
    body: hasBody ? (request.body as Uint8Array<ArrayBuffer>) : null,
  });
}

/** Status and headers of what a fetch handler returned; repeated Set-Cookie headers stay separate pairs. */
export function responseHead(value: unknown): {
  response: Response;
  status: number;
  headers: Array<readonly [string, string]>;
} {
  if (!isResponse(value)) {
    throw new ResponseInvalidError(`A fetch handler must return a Response, got ${describe(value)}`);
  }
  const headers: Array<readonly [string, string]> = [];
  value.headers.forEach((headerValue, name) => {
    if (name !== "set-cookie") headers.push([name, headerValue]);
  });
  for (const cookie of value.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  return { response: value, status: value.status, headers };
}

/** Reads the whole body. */
export async function fromFetchResponse(value: unknown): Promise<HttpResult> {
  const { response, status, headers } = responseHead(value);
  const body = response.body === null ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
  return { status, headers, body };
}

/** Also accepts a Response from another realm or polyfill that has the same shape. */
function isResponse(value: unknown): value is Response {
  if (value instanceof Response) return true;
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Partial<Response>;
  return (
    typeof candidate.status === "number" &&
    typeof candidate.arrayBuffer === "function" &&
    typeof candidate.headers?.forEach === "function" &&
    typeof candidate.headers.getSetCookie === "function"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no prototype"})`;
  return typeof value;
}
