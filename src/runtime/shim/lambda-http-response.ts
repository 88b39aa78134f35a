// Turns what a Lambda handler returned into an HttpResult, following API Gateway's rules
// for payload format 2.0 (AWS developer guide, "Lambda function response for format 2.0",
// and the Knowledge Center note on HTTP API status codes):
// - an object with `statusCode` is a response: statusCode, headers, cookies (one
//   set-cookie each), body, isBase64Encoded. `multiValueHeaders` belongs to format 1.0;
//   it is honoured too so handlers written for REST APIs keep working, and as in 1.0 a
//   name present there replaces the same name from `headers`.
// - anything else is "valid JSON without a statusCode", for which AWS documents:
//   statusCode 200, content-type application/json, isBase64Encoded false, and the body
//   is the function's response. A string is the response itself (AWS's example: a
//   handler returning "Hello from Lambda!" yields that text as the body); other values
//   are their JSON text. undefined/null: the Lambda runtime serialises them as the JSON
//   `null`, so applying the same documented rule gives a 200 whose body is `null`.
// Runs inside function processes: no server imports.
import type { HttpResult } from "../protocol.ts";
import { ResponseInvalidError } from "./shim-errors.ts";

type HeaderPair = readonly [string, string];

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

export function fromLambdaHttpResult(value: unknown): HttpResult {
  if (value !== null && typeof value === "object" && "statusCode" in value) {
    return fromStructuredResponse(value as Record<string, unknown>);
  }
  return inferredJsonResponse(value);
}

function inferredJsonResponse(value: unknown): HttpResult {
  let text: string | undefined;
  if (typeof value === "string") {
    text = value;
  } else {
    try {
      text = JSON.stringify(value ?? null);
    } catch (error) {
      throw new ResponseInvalidError(
        `The handler's result could not be serialised to JSON: ${(error as Error).message}`,
      );
    }
    if (text === undefined) {
      throw new ResponseInvalidError(`The handler returned a ${typeof value}, which has no JSON form`);
    }
  }
  return { status: 200, headers: [["content-type", "application/json"]], body: encoder.encode(text) };
}

function fromStructuredResponse(response: Record<string, unknown>): HttpResult {
  const status = response.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new ResponseInvalidError(
      `statusCode must be an integer from 200 to 599, got ${JSON.stringify(status)}`,
    );
  }
  const headers = collectHeaders(response.headers, response.multiValueHeaders);
  const cookies = response.cookies;
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === "string")) {
      throw new ResponseInvalidError("cookies must be an array of strings (one Set-Cookie value each)");
    }
    for (const cookie of cookies) headers.push(["set-cookie", cookie]);
  }
  return { status, headers, body: decodeBody(response.body, response.isBase64Encoded === true) };
}

function collectHeaders(single: unknown, multi: unknown): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  const multiNames = new Set<string>();
  if (multi !== undefined && multi !== null) {
    if (typeof multi !== "object") throw new ResponseInvalidError("multiValueHeaders must be an object");
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values)) {
        throw new ResponseInvalidError(`multiValueHeaders.${name} must be an array of strings`);
      }
      const lower = name.toLowerCase();
      multiNames.add(lower);
      for (const value of values) pairs.push([lower, headerValue(name, value)]);
    }
  }
  if (single !== undefined && single !== null) {
    if (typeof single !== "object") throw new ResponseInvalidError("headers must be an object");
    const singlePairs: HeaderPair[] = [];
    for (const [name, value] of Object.entries(single)) {
      const lower = name.toLowerCase();
      if (!multiNames.has(lower)) singlePairs.push([lower, headerValue(name, value)]);
    }
    pairs.unshift(...singlePairs);
  }
  return pairs;
}

function headerValue(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new ResponseInvalidError(`The value of header "${name}" must be a string, got ${typeof value}`);
}

function decodeBody(body: unknown, isBase64Encoded: boolean): Uint8Array {
  if (body === undefined || body === null || body === "") return EMPTY;
  if (typeof body !== "string") {
    throw new ResponseInvalidError(
      `body must be a string (use JSON.stringify for objects), got ${Array.isArray(body) ? "array" : typeof body}`,
    );
  }
  if (!isBase64Encoded) return encoder.encode(body);
  // Copied out of Buffer's shared pool so the result owns exactly its bytes when it
  // crosses to the server.
  return new Uint8Array(Buffer.from(body, "base64"));
}
