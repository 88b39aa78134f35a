import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { type ErrorCode, NimbusError } from "../core/errors.ts";
import type { CorsConfig } from "../core/manifest/normalize.ts";
import type { HttpInvocationRequest } from "../runtime/protocol.ts";
import type { InvocationOutcome } from "../runtime/types.ts";
import { appWithRoutes } from "./gateway-fixtures.ts";
import { createGatewayHandler, type GatewayTarget } from "./gateway-handler.ts";
import { RouteTable } from "./route-table.ts";

const MAX_BODY_BYTES = 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const CORS: CorsConfig = {
  allowOrigins: ["https://app.example.com", "https://*.example.org"],
  allowMethods: ["GET", "POST"],
  allowHeaders: ["content-type", "authorization"],
  exposeHeaders: ["x-total"],
  allowCredentials: true,
  maxAgeSeconds: 600,
};

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

type Invoke = (
  functionName: string,
  request: HttpInvocationRequest,
  requestId: string,
) => Promise<InvocationOutcome>;

function outcome(
  request: HttpInvocationRequest,
  requestId: string,
  fields: Partial<InvocationOutcome>,
): InvocationOutcome {
  return {
    requestId,
    app: "shop",
    functionName: "fn",
    version: "1",
    startedAt: request.requestTimeEpoch,
    durationMs: 1,
    billedDurationMs: 1,
    cold: false,
    initDurationMs: undefined,
    peakMemoryMb: undefined,
    status: "success",
    errorCode: undefined,
    errorMessage: undefined,
    response: undefined,
    ...fields,
  };
}

/** Echoes the request: its body as the body, everything else as JSON in x-echo. */
const echo: Invoke = async (functionName, req, requestId) => {
  const { body, ...rest } = req;
  return outcome(req, requestId, {
    functionName,
    response: {
      status: 201,
      headers: [
        ["content-type", "application/octet-stream"],
        [
          "x-echo",
          Buffer.from(JSON.stringify({ functionName, ...rest, hasBody: body !== null })).toString("base64"),
        ],
        ["set-cookie", "a=1; Path=/"],
        ["set-cookie", "b=2; Path=/"],
        ["access-control-allow-origin", "https://evil.example"],
      ],
      body: body ?? new Uint8Array(0),
    },
  });
};

function echoed(reply: Reply): Record<string, unknown> & Omit<HttpInvocationRequest, "body"> {
  return JSON.parse(Buffer.from(String(reply.headers["x-echo"]), "base64").toString());
}

function failWith(errorCode: ErrorCode, errorMessage: string): Invoke {
  return async (functionName, req, requestId) =>
    outcome(req, requestId, { functionName, status: "error", errorCode, errorMessage });
}

describe("gateway handler over node:http", () => {
  let server: Server;
  let port: number;
  let invoke: Invoke;
  let invocations: number;
  let target: GatewayTarget | undefined;
  const routes = RouteTable.fromApp(
    appWithRoutes({
      orders: ["GET /orders/{id}", "POST /orders"],
      files: ["ANY /files/{path+}"],
      page: ["GET /page"],
    }),
  );

  function makeTarget(cors: CorsConfig | undefined): GatewayTarget {
    return {
      routes,
      cors,
      invoke: (name, req, id) => {
        invocations++;
        return invoke(name, req, id);
      },
    };
  }

  before(async () => {
    const handler = createGatewayHandler({ resolveTarget: () => target, maxBodyBytes: MAX_BODY_BYTES });
    server = createServer(handler);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });

  beforeEach(() => {
    invoke = echo;
    invocations = 0;
    target = makeTarget(undefined);
  });

  /** rawHeaders: [name, value, ...] so repeats can be sent; chunks are written one by one. */
  function send(
    method: string,
    path: string,
    options: { headers?: string[]; chunks?: Uint8Array[] } = {},
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers = options.headers ?? [];
      // An array of headers turns off Node's automatic Host, which HTTP/1.1 requires.
      if (!headers.some((name, index) => index % 2 === 0 && name.toLowerCase() === "host")) {
        headers.push("host", `127.0.0.1:${port}`);
      }
      const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false });
      let replied = false;
      req.on("response", (res) => {
        replied = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      });
      // The server may answer (413) and close before the whole upload is written.
      req.on("error", (error) => {
        if (!replied) reject(error);
      });
      for (const chunk of options.chunks ?? []) req.write(chunk);
      req.end();
    });
  }

  function assertError(
    reply: Reply,
    status: number,
    code: ErrorCode,
  ): { message: string; requestId: string } {
    assert.equal(reply.status, status);
    assert.match(String(reply.headers["content-type"]), /^application\/json/);
    const body = JSON.parse(reply.body.toString());
    assert.equal(body.error.code, code);
    assert.equal(body.error.requestId, reply.headers["x-request-id"]);
    assert.match(String(reply.headers["x-request-id"]), UUID);
    return body.error;
  }

  it("passes the request to the function and its answer back untouched", async () => {
    const reply = await send("GET", "/orders/a%20b?x=1&x=2&y=%20", {
      headers: ["X-Tag", "one", "x-tag", "two", "Host", "shop.localhost:1234"],
    });
    assert.equal(reply.status, 201);
    assert.match(String(reply.headers["x-request-id"]), UUID);
    assert.deepEqual(reply.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/"]);
    assert.equal(reply.headers["content-length"], "0");
    const seen = echoed(reply);
    assert.equal(seen.functionName, "orders");
    assert.equal(seen.kind, "http");
    assert.equal(seen.method, "GET");
    assert.equal(seen.rawPath, "/orders/a%20b");
    assert.equal(seen.rawQueryString, "x=1&x=2&y=%20");
    assert.equal(seen.routeKey, "GET /orders/{id}");
    assert.deepEqual(seen.pathParameters, { id: "a b" });
    assert.deepEqual(
      seen.headers.filter(([name]) => name === "x-tag"),
      [
        ["x-tag", "one"],
        ["x-tag", "two"],
      ],
    );
    assert.equal(seen.domainName, "shop.localhost:1234");
    assert.equal(seen.sourceIp, "127.0.0.1");
    assert.equal(seen.hasBody, false);
    assert.ok(Math.abs(seen.requestTimeEpoch - Date.now()) < 10_000);
  });

  it("drops the header the platform marks its own calls with, so no caller can pose as it", async () => {
    const reply = await send("GET", "/orders/1", {
      headers: ["X-Nimbus-Invocation", "direct", "x-tag", "kept"],
    });
    const seen = echoed(reply);
    assert.deepEqual(
      seen.headers.filter(([name]) => name.startsWith("x-")),
      [["x-tag", "kept"]],
    );
  });

  it("gives every response its own x-request-id", async () => {
    const replies = await Promise.all([send("GET", "/page"), send("GET", "/nope"), send("DELETE", "/page")]);
    const ids = replies.map((reply) => String(reply.headers["x-request-id"]));
    for (const id of ids) assert.match(id, UUID);
    assert.equal(new Set(ids).size, 3);
  });

  it("round-trips binary bodies byte for byte, with a greedy path", async () => {
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, index) => index % 256));
    const reply = await send("PUT", "/files/a/b/c.bin", {
      headers: ["content-type", "application/octet-stream", "content-length", String(bytes.length)],
      chunks: [bytes.subarray(0, 100), bytes.subarray(100)],
    });
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.body, bytes);
    assert.deepEqual(echoed(reply).pathParameters, { path: "a/b/c.bin" });
  });

  it("accepts a body of exactly the limit", async () => {
    const reply = await send("POST", "/orders", { chunks: [new Uint8Array(MAX_BODY_BYTES)] });
    assert.equal(reply.status, 201);
    assert.equal(reply.body.length, MAX_BODY_BYTES);
  });

  it("refuses an oversized body from its content-length, without invoking", async () => {
    const reply = await send("POST", "/orders", {
      headers: ["content-length", String(MAX_BODY_BYTES + 1)],
      chunks: [new Uint8Array(MAX_BODY_BYTES + 1)],
    });
    assertError(reply, 413, "PAYLOAD_TOO_LARGE");
    assert.equal(reply.headers.connection, "close");
    assert.equal(invocations, 0);
  });

  it("refuses an oversized chunked body by counting streamed bytes", async () => {
    const chunk = new Uint8Array(300);
    const reply = await send("POST", "/orders", {
      headers: ["transfer-encoding", "chunked"],
      chunks: [chunk, chunk, chunk, chunk, chunk],
    });
    assertError(reply, 413, "PAYLOAD_TOO_LARGE");
    assert.equal(invocations, 0);
  });

  it("serves HEAD from the GET route: the function sees GET, the client gets the length without the body", async () => {
    invoke = async (_name, req, id) =>
      outcome(req, id, {
        response: {
          status: 200,
          headers: [["x-method", req.method]],
          body: new TextEncoder().encode("hello"),
        },
      });
    const reply = await send("HEAD", "/page");
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["x-method"], "GET");
    assert.equal(reply.headers["content-length"], "5");
    assert.equal(reply.body.length, 0);
  });

  it("answers OPTIONS on a path without an OPTIONS route with 204 and Allow", async () => {
    const reply = await send("OPTIONS", "/orders/1");
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.allow, "GET, HEAD, OPTIONS");
    assert.match(String(reply.headers["x-request-id"]), UUID);
    assert.equal(invocations, 0);
  });

  it("answers 404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED with Allow", async () => {
    assertError(await send("GET", "/missing"), 404, "ROUTE_NOT_FOUND");
    const notAllowed = await send("DELETE", "/orders/1");
    assertError(notAllowed, 405, "METHOD_NOT_ALLOWED");
    assert.equal(notAllowed.headers.allow, "GET, HEAD");
  });

  it("answers 404 APP_NOT_FOUND with a hint to deploy when no app is deployed", async () => {
    target = undefined;
    const reply = await send("GET", "/page");
    assertError(reply, 404, "APP_NOT_FOUND");
    assert.match(JSON.parse(reply.body.toString()).error.hint, /deploy/);
  });

  describe("CORS", () => {
    beforeEach(() => {
      target = makeTarget(CORS);
    });

    it("answers an allowed preflight itself", async () => {
      const reply = await send("OPTIONS", "/orders", {
        headers: ["origin", "https://app.example.com", "access-control-request-method", "POST"],
      });
      assert.equal(reply.status, 204);
      assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
      assert.equal(reply.headers["access-control-allow-methods"], "GET, POST");
      assert.equal(reply.headers["access-control-allow-headers"], "content-type, authorization");
      assert.equal(reply.headers["access-control-allow-credentials"], "true");
      assert.equal(reply.headers["access-control-max-age"], "600");
      assert.equal(reply.headers.vary, "Origin");
      assert.match(String(reply.headers["x-request-id"]), UUID);
      assert.equal(invocations, 0);
    });

    it("matches wildcard subdomain origins", async () => {
      const reply = await send("OPTIONS", "/orders", {
        headers: ["origin", "https://a.b.example.org", "access-control-request-method", "GET"],
      });
      assert.equal(reply.headers["access-control-allow-origin"], "https://a.b.example.org");
    });

    it("gives a disallowed origin no CORS headers", async () => {
      const preflight = await send("OPTIONS", "/orders", {
        headers: ["origin", "https://evil.example", "access-control-request-method", "POST"],
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers["access-control-allow-origin"], undefined);
      assert.equal(preflight.headers["access-control-allow-methods"], undefined);
      const simple = await send("GET", "/page", { headers: ["origin", "https://evil.example"] });
      assert.equal(simple.status, 201);
      assert.equal(
        simple.headers["access-control-allow-origin"],
        undefined,
        "the function's own CORS header is dropped",
      );
      assert.equal(simple.headers.vary, "Origin");
    });

    it("adds CORS headers to actual responses, replacing the function's", async () => {
      const reply = await send("GET", "/page", { headers: ["origin", "https://app.example.com"] });
      assert.equal(reply.status, 201);
      assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
      assert.equal(reply.headers["access-control-allow-credentials"], "true");
      assert.equal(reply.headers["access-control-expose-headers"], "x-total");
      assert.equal(reply.headers.vary, "Origin");
    });

    it("adds CORS headers to platform errors, so the browser can read them", async () => {
      const reply = await send("GET", "/missing", { headers: ["origin", "https://app.example.com"] });
      assertError(reply, 404, "ROUTE_NOT_FOUND");
      assert.equal(reply.headers["access-control-allow-origin"], "https://app.example.com");
    });
  });

  describe("error mapping", () => {
    const cases: Array<[ErrorCode, number]> = [
      ["FUNCTION_ERROR", 502],
      ["FUNCTION_TIMEOUT", 504],
      ["FUNCTION_OUT_OF_MEMORY", 502],
      ["FUNCTION_RESPONSE_INVALID", 502],
      ["FUNCTION_INIT_ERROR", 502],
    ];
    for (const [code, status] of cases) {
      it(`maps an outcome with ${code} to ${status} without the function's message`, async () => {
        invoke = failWith(code, "TypeError: secret-db-password at handler (/srv/app.ts:12:3)");
        const error = assertError(await send("GET", "/page"), status, code);
        assert.doesNotMatch(JSON.stringify(error), /secret|app\.ts/);
        assert.match(error.message, /Function "page"/);
      });
    }

    it("answers 429 with its retry-after header when the pool refuses the call", async () => {
      invoke = async () => {
        throw new NimbusError("TOO_MANY_REQUESTS", "Function page is at its concurrency limit", {
          headers: { "Retry-After": "2" },
        });
      };
      const reply = await send("GET", "/page");
      assertError(reply, 429, "TOO_MANY_REQUESTS");
      assert.equal(reply.headers["retry-after"], "2");
    });

    it("answers 500 INTERNAL without details for an unexpected exception", async () => {
      invoke = async () => {
        throw new Error("secret internals");
      };
      const originalError = console.error;
      const logged: unknown[] = [];
      console.error = (...args: unknown[]) => logged.push(args);
      try {
        const reply = await send("GET", "/page");
        const error = assertError(reply, 500, "INTERNAL");
        assert.doesNotMatch(JSON.stringify(error), /secret/);
        assert.equal(logged.length, 1);
      } finally {
        console.error = originalError;
      }
    });

    it("answers 502 FUNCTION_RESPONSE_INVALID when the function's headers cannot be sent", async () => {
      invoke = async (_name, req, id) =>
        outcome(req, id, {
          response: { status: 200, headers: [["x-bad", "a\nb"]], body: new Uint8Array(0) },
        });
      assertError(await send("GET", "/page"), 502, "FUNCTION_RESPONSE_INVALID");
    });
  });
});
