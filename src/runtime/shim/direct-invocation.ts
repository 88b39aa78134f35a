// Direct calls (nimbus invoke): the payload goes to the handler as it is, as with
// `aws lambda invoke`. Runs inside function processes: no server imports.
import type { DirectInvocationRequest, HttpResult } from "../protocol.ts";

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = [["content-type", "application/json"]];

/** The event a Lambda-style handler receives: the payload parsed as JSON, or as text when it is not JSON. */
export function toDirectLambdaEvent(request: DirectInvocationRequest): unknown {
  const text = Buffer.from(request.payload).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A Lambda-style result of a direct call is its JSON, as the Invoke API returns it. */
export function fromDirectLambdaResult(result: unknown): HttpResult {
  return { status: 200, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(result ?? null)) };
}

/** A fetch-style handler receives a direct call as `POST /` with the payload as the body. */
export function toDirectFetchRequest(request: DirectInvocationRequest): Request {
  if (request.fetchRequest) {
    return new Request("http://localhost/", {
      method: "POST",
      headers: request.fetchRequest.headers.map(([name, value]) => [name, value]),
      body: new Uint8Array(request.fetchRequest.body),
    });
  }
  return new Request("http://localhost/", {
    method: "POST",
    headers: { "content-type": "application/json", "x-nimbus-invocation": "direct" },
    body: request.payload.byteLength > 0 ? new Uint8Array(request.payload) : null,
  });
}
