import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hono } from "hono";
import type { HttpInvocationRequest, HttpResult } from "../protocol.ts";
import { createInstanceHandler, type InvokeContextInfo } from "./handler-adapter.ts";
import { headerValues, httpRequest, TEST_IDENTITY } from "./handler-adapter-fixtures.ts";
import type { LambdaContext } from "./lambda-context.ts";
import type { LambdaHttpEventV2 } from "./lambda-http-event.ts";
import { HandlerNotFoundError, ResponseInvalidError } from "./shim-errors.ts";

const INFO: InvokeContextInfo = {
  requestId: "req-9",
  deadlineMs: Date.now() + 60_000,
  identity: TEST_IDENTITY,
};
const text = (result: HttpResult): string => new TextDecoder().decode(result.body);

function invoke(
  exports: Record<string, unknown>,
  exportName: string,
  request: HttpInvocationRequest = httpRequest(),
): Promise<HttpResult> {
  // Without a streamer, a streamed response is collected: the result is always whole.
  return createInstanceHandler(exports, exportName, TEST_IDENTITY)(request, INFO) as Promise<HttpResult>;
}

describe("createInstanceHandler: finding the handler", () => {
  it("throws HandlerNotFoundError for a missing export, naming what exists", () => {
    assert.throws(
      () => createInstanceHandler({ other: () => 1 }, "handler", TEST_IDENTITY),
      (error: unknown) => error instanceof HandlerNotFoundError && /handler.*other/.test(error.message),
    );
  });

  it("throws HandlerNotFoundError for an export that cannot be called", () => {
    for (const value of [42, "text", null, { notFetch: true }]) {
      assert.throws(
        () => createInstanceHandler({ handler: value }, "handler", TEST_IDENTITY),
        HandlerNotFoundError,
      );
    }
  });
});

describe("fetch-style handlers", () => {
  it("calls an object's fetch with request, env and ctx", async () => {
    process.env.NIMBUS_ADAPTER_TEST = "on";
    let seen: { url: string; method: string; body: string; env: unknown; ctxKeys: string[] } | undefined;
    const app = {
      async fetch(request: Request, env: Record<string, string>, ctx: object) {
        seen = {
          url: request.url,
          method: request.method,
          body: await request.text(),
          env: env.NIMBUS_ADAPTER_TEST,
          ctxKeys: Object.keys(ctx),
        };
        return new Response("ok", { status: 201, headers: { "x-from": "fetch" } });
      },
    };
    const result = await invoke(
      { default: app },
      "default",
      httpRequest({ method: "PUT", rawQueryString: "q=1", body: new TextEncoder().encode("payload") }),
    );
    assert.equal(result.status, 201);
    assert.equal(text(result), "ok");
    assert.deepEqual(headerValues(result.headers, "x-from"), ["fetch"]);
    assert.deepEqual(seen, {
      url: "http://api.example.com/orders/42?q=1",
      method: "PUT",
      body: "payload",
      env: "on",
      ctxKeys: ["waitUntil", "passThroughOnException", "props"],
    });
    delete process.env.NIMBUS_ADAPTER_TEST;
  });

  it("calls a default-exported function as fetch", async () => {
    const result = await invoke(
      { default: (request: Request) => new Response(`path ${new URL(request.url).pathname}`) },
      "default",
    );
    assert.equal(text(result), "path /orders/42");
  });

  it("awaits waitUntil work (including nested) before completing, and a rejection does not fail the call", async () => {
    const order: string[] = [];
    const originalError = console.error;
    console.error = () => {};
    try {
      const result = await invoke(
        {
          default: {
            fetch(_request: Request, _env: unknown, ctx: { waitUntil(promise: Promise<unknown>): void }) {
              ctx.waitUntil(
                new Promise<void>((resolve) =>
                  setImmediate(() => {
                    order.push("background");
                    ctx.waitUntil(Promise.resolve().then(() => order.push("nested")));
                    resolve();
                  }),
                ),
              );
              ctx.waitUntil(Promise.reject(new Error("ignored")));
              return new Response("done");
            },
          },
        },
        "default",
      );
      order.push("completed");
      assert.equal(text(result), "done");
      assert.deepEqual(order, ["background", "nested", "completed"]);
    } finally {
      console.error = originalError;
    }
  });

  it("serves a Hono app as it is, with repeated set-cookie headers", async () => {
    const app = new Hono();
    app.get("/orders/:id", (c) => {
      c.header("set-cookie", "a=1", { append: true });
      c.header("set-cookie", "b=2", { append: true });
      return c.json({ id: c.req.param("id"), q: c.req.query("q") });
    });
    const result = await invoke({ default: app }, "default", httpRequest({ rawQueryString: "q=x" }));
    assert.equal(result.status, 200);
    assert.deepEqual(JSON.parse(text(result)), { id: "42", q: "x" });
    assert.deepEqual(headerValues(result.headers, "set-cookie"), ["a=1", "b=2"]);
  });

  it("rejects with the user's own error when fetch throws", async () => {
    const failure = new TypeError("broken handler");
    await assert.rejects(
      invoke(
        {
          default: {
            fetch() {
              throw failure;
            },
          },
        },
        "default",
      ),
      (error) => error === failure,
    );
  });

  it("rejects with ResponseInvalidError when fetch returns something else", async () => {
    await assert.rejects(
      invoke({ default: { fetch: () => ({ status: 200 }) } }, "default"),
      ResponseInvalidError,
    );
  });
});

describe("Lambda-style handlers", () => {
  it("passes the v2 event and a Lambda context", async () => {
    let event: LambdaHttpEventV2 | undefined;
    let context: LambdaContext | undefined;
    const result = await invoke(
      {
        handler: async (e: LambdaHttpEventV2, c: LambdaContext) => {
          event = e;
          context = c;
          return { statusCode: 200, body: "hi" };
        },
      },
      "handler",
    );
    assert.equal(text(result), "hi");
    assert.equal(event?.version, "2.0");
    assert.equal(event?.requestContext.requestId, "req-9");
    assert.deepEqual(event?.pathParameters, { id: "42" });
    assert.ok(context);
    assert.equal(context.functionName, "orders");
    assert.equal(context.functionVersion, "7");
    assert.equal(context.invokedFunctionArn, "arn:aws:lambda:local:000000000000:function:orders");
    assert.equal(context.memoryLimitInMB, "256");
    assert.equal(context.awsRequestId, "req-9");
    assert.equal(typeof context.logGroupName, "string");
    assert.equal(typeof context.logStreamName, "string");
    assert.equal(context.callbackWaitsForEmptyEventLoop, true);
    const remaining = context.getRemainingTimeInMillis();
    assert.ok(remaining > 50_000 && remaining <= 60_000, String(remaining));
  });

  it("uses a synchronous return value as the result", async () => {
    const result = await invoke({ handler: () => ({ ok: true }) }, "handler");
    assert.equal(text(result), '{"ok":true}');
  });

  it("supports callback-style handlers", async () => {
    const handler = (_event: unknown, _context: unknown, callback: (e: unknown, r?: unknown) => void) => {
      setImmediate(() => callback(null, { statusCode: 202, body: "later" }));
    };
    const result = await invoke({ handler }, "handler");
    assert.equal(result.status, 202);
    assert.equal(text(result), "later");
  });

  it("turns callback errors into rejections, wrapping strings", async () => {
    const handler = (_event: unknown, _context: unknown, callback: (e: unknown) => void) => callback("boom");
    await assert.rejects(
      invoke({ handler }, "handler"),
      (error) => error instanceof Error && error.message === "boom",
    );
  });

  it("supports legacy context.succeed, context.fail and context.done", async () => {
    const succeed = (_e: unknown, context: LambdaContext, _cb: unknown) => {
      setImmediate(() => context.succeed({ statusCode: 200, body: "succeeded" }));
    };
    assert.equal(text(await invoke({ handler: succeed }, "handler")), "succeeded");
    const done = (_e: unknown, context: LambdaContext, _cb: unknown) => {
      setImmediate(() => context.done(null, "done"));
    };
    assert.equal(text(await invoke({ handler: done }, "handler")), "done");
    const failure = new Error("failed");
    const fail = (_e: unknown, context: LambdaContext) => context.fail(failure);
    await assert.rejects(invoke({ handler: fail }, "handler"), (error) => error === failure);
  });

  it("lets the first completion win", async () => {
    const handler = (_e: unknown, _c: unknown, callback: (e: unknown, r?: unknown) => void) => {
      callback(null, "first");
      callback(new Error("second"));
    };
    assert.equal(text(await invoke({ handler }, "handler")), "first");
  });

  it("rejects with the user's own error when the handler throws or its promise rejects", async () => {
    const thrown = new RangeError("sync");
    await assert.rejects(
      invoke(
        {
          handler: () => {
            throw thrown;
          },
        },
        "handler",
      ),
      (error) => error === thrown,
    );
    const rejected = new Error("async");
    await assert.rejects(
      invoke({ handler: async () => Promise.reject(rejected) }, "handler"),
      (error) => error === rejected,
    );
  });

  it("rejects with ResponseInvalidError for an invalid answer", async () => {
    await assert.rejects(
      invoke({ handler: async () => ({ statusCode: 200, body: { json: true } }) }, "handler"),
      ResponseInvalidError,
    );
  });

  it("round-trips binary bodies through base64 both ways", async () => {
    const bytes = new Uint8Array([0, 128, 255, 7]);
    const result = await invoke(
      {
        handler: async (event: LambdaHttpEventV2) => ({
          statusCode: 200,
          headers: { "content-type": "application/octet-stream" },
          body: event.body,
          isBase64Encoded: event.isBase64Encoded,
        }),
      },
      "handler",
      httpRequest({ method: "POST", body: bytes, headers: [["content-type", "application/octet-stream"]] }),
    );
    assert.deepEqual(result.body, bytes);
  });
});
