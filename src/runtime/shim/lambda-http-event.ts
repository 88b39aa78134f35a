// Builds the API Gateway HTTP API event, payload format 2.0, exactly as AWS documents it
// (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
// header names lower-cased and repeats joined with ","; the cookie header moved to
// `cookies`; repeated query parameters joined with ","; optional fields omitted when empty.
// Runs inside function processes: no server imports.
import type { APIGatewayProxyEventV2 } from "../../sdk/handler-types.ts";
import type { FunctionIdentity, HttpInvocationRequest } from "../protocol.ts";

/** The event type is the SDK's, so function code and the shim agree by construction. */
export type LambdaHttpEventV2 = APIGatewayProxyEventV2;

/** The account id used in every ARN and event, as LocalStack and SAM local do. */
export const LOCAL_ACCOUNT_ID = "000000000000";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function toLambdaHttpEvent(
  request: HttpInvocationRequest,
  requestId: string,
  identity: FunctionIdentity,
): LambdaHttpEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of request.headers) {
    if (name === "cookie") {
      for (const cookie of value.split(";")) {
        const trimmed = cookie.trim();
        if (trimmed !== "") cookies.push(trimmed);
      }
      continue;
    }
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  const domainName = request.domainName;
  const event: LambdaHttpEventV2 = {
    version: "2.0",
    routeKey: request.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: identity.app,
      domainName,
      domainPrefix: domainName.split(".")[0] ?? domainName,
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: "HTTP/1.1",
        sourceIp: request.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: request.routeKey,
      stage: "$default",
      time: formatRequestTime(request.requestTimeEpoch),
      timeEpoch: request.requestTimeEpoch,
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (request.authorizer !== undefined) event.requestContext.authorizer = { ...request.authorizer };
  const query = parseQueryString(request.rawQueryString);
  if (query !== undefined) event.queryStringParameters = query;
  if (Object.keys(request.pathParameters).length > 0) event.pathParameters = { ...request.pathParameters };
  if (request.body !== null && request.body.byteLength > 0) {
    const text = isTextual(headers["content-type"]) ? decodeUtf8(request.body) : undefined;
    if (text === undefined) {
      event.body = Buffer.from(
        request.body.buffer,
        request.body.byteOffset,
        request.body.byteLength,
      ).toString("base64");
      event.isBase64Encoded = true;
    } else {
      event.body = text;
    }
  }
  return event;
}

/** Decoded parameters with repeats joined by ","; undefined when there is no query (AWS omits the field). */
function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

const TEXT_SUBTYPES = new Set([
  "application/json",
  "application/xml",
  "application/javascript",
  "application/ecmascript",
  "application/x-www-form-urlencoded",
  "application/graphql",
  "application/x-ndjson",
  "application/yaml",
]);

/** Text bodies travel as strings, everything else (or no content-type) as base64. */
export function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return (
    mediaType.startsWith("text/") ||
    TEXT_SUBTYPES.has(mediaType) ||
    mediaType.endsWith("+json") ||
    mediaType.endsWith("+xml")
  );
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A body that claims to be text but is not valid UTF-8 is sent as base64 rather than mangled. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** "12/Mar/2020:19:03:58 +0000", the CLF-style time AWS puts in requestContext.time. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const day = String(date.getUTCDate()).padStart(2, "0");
  const time = [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
  return `${day}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${time} +0000`;
}
