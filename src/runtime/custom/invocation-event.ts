// What GET /runtime/invocation/next hands a custom runtime for one call: the event as the
// response body and the call's facts as Lambda-Runtime-* headers. An HTTP call becomes the
// same API Gateway HTTP API (payload 2.0) event a Node Lambda handler receives (the shim's
// own module builds it, so both runtimes see identical events); a direct call's payload is
// passed as it is, as the Invoke API does.
import { randomBytes } from "node:crypto";
import { functionArn } from "../lambda-env.ts";
import type { FunctionIdentity, InvokeMessage } from "../protocol.ts";
import { toLambdaHttpEvent } from "../shim/lambda-http-event.ts";

export interface NextInvocation {
  readonly requestId: string;
  readonly kind: "http" | "direct";
  readonly body: Uint8Array;
  /** Flat [name, value, …] for one writeHead. */
  readonly headers: readonly string[];
}

const EMPTY_EVENT = Buffer.from("{}");

/** An X-Ray style trace header, so runtimes that parse it find the shape they expect. */
function traceId(): string {
  const epochSeconds = Math.floor(Date.now() / 1000).toString(16);
  const random = randomBytes(20).toString("hex");
  return `Root=1-${epochSeconds}-${random.slice(0, 24)};Parent=${random.slice(24, 40)};Sampled=0`;
}

export function nextInvocation(message: InvokeMessage, identity: FunctionIdentity): NextInvocation {
  const { request, requestId } = message;
  const body =
    request.kind === "http"
      ? Buffer.from(JSON.stringify(toLambdaHttpEvent(request, requestId, identity)))
      : request.payload.byteLength === 0
        ? EMPTY_EVENT
        : request.payload;
  // Spelled as Lambda spells them: header names are case-insensitive, but not every
  // runtime's lookup is (a plain dict of the headers, say).
  const headers = [
    "Content-Type",
    "application/json",
    "Lambda-Runtime-Aws-Request-Id",
    requestId,
    "Lambda-Runtime-Deadline-Ms",
    String(message.deadlineMs),
    "Lambda-Runtime-Invoked-Function-Arn",
    functionArn(identity.functionName),
    "Lambda-Runtime-Trace-Id",
    traceId(),
  ];
  if (request.kind === "direct" && request.clientContext !== undefined) {
    headers.push("Lambda-Runtime-Client-Context", request.clientContext);
  }
  return { requestId, kind: request.kind, body, headers };
}
