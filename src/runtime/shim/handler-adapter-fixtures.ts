// Shared builders for the handler adapter unit tests (test-only, never imported by the shim).
import type { FunctionIdentity, HttpInvocationRequest } from "../protocol.ts";

export const TEST_IDENTITY: FunctionIdentity = {
  app: "shop",
  functionName: "orders",
  version: "7",
  memoryMb: 256,
  timeoutMs: 3000,
};

/** 12 Mar 2020 19:03:58 UTC, the instant of AWS's own example event. */
export const TEST_EPOCH_MS = Date.UTC(2020, 2, 12, 19, 3, 58);

export function httpRequest(overrides: Partial<HttpInvocationRequest> = {}): HttpInvocationRequest {
  return {
    kind: "http",
    method: "GET",
    rawPath: "/orders/42",
    rawQueryString: "",
    headers: [
      ["host", "api.example.com"],
      ["user-agent", "agent/1.0"],
    ],
    body: null,
    routeKey: "GET /orders/{id}",
    pathParameters: { id: "42" },
    sourceIp: "203.0.113.9",
    domainName: "api.example.com",
    requestTimeEpoch: TEST_EPOCH_MS,
    ...overrides,
  };
}

export function headerValues(headers: ReadonlyArray<readonly [string, string]>, name: string): string[] {
  return headers.filter(([key]) => key === name).map(([, value]) => value);
}
