// Inside a stem cell, before it reports ready: Node loads fetch's Request/Response (undici)
// lazily, and that first use costs ~30 ms. Running one throw-away call of each handler style
// through the adapter here moves that cost, and the adapter's first-run compilation, from
// every cold start to the stem cell's start, which nobody waits for.
import type { FunctionIdentity, HttpInvocationRequest } from "../protocol.ts";
import { createInstanceHandler } from "./handler-adapter.ts";

const identity: FunctionIdentity = {
  app: "warm-up",
  functionName: "warm-up",
  version: "0",
  memoryMb: 0,
  timeoutMs: 0,
};

const sampleRequest: HttpInvocationRequest = {
  kind: "http",
  method: "POST",
  rawPath: "/warm-up",
  rawQueryString: "a=1",
  headers: [
    ["content-type", "application/json"],
    ["host", "localhost"],
  ],
  body: new TextEncoder().encode("{}"),
  routeKey: "$default",
  pathParameters: {},
  sourceIp: "127.0.0.1",
  domainName: "localhost",
  requestTimeEpoch: 0,
};

const sampleModule: Record<string, unknown> = {
  default: {
    async fetch(request: Request): Promise<Response> {
      await request.text();
      return new Response("ok", { headers: { "content-type": "text/plain" } });
    },
  },
  handler: async () => ({ statusCode: 200, body: "ok" }),
};

export async function warmUp(): Promise<void> {
  const info = { requestId: "warm-up", deadlineMs: Date.now() + 60_000, identity };
  for (const exportName of ["default", "handler"]) {
    try {
      await createInstanceHandler(sampleModule, exportName, identity)(sampleRequest, info);
    } catch {
      // A warm-up that fails only means the first real call pays the loading cost.
    }
  }
}
