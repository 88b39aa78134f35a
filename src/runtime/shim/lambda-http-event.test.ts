import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { httpRequest, TEST_EPOCH_MS, TEST_IDENTITY } from "./handler-adapter-fixtures.ts";
import { formatRequestTime, isTextual, toLambdaHttpEvent } from "./lambda-http-event.ts";

describe("toLambdaHttpEvent", () => {
  it("builds the documented format 2.0 shape", () => {
    const event = toLambdaHttpEvent(httpRequest(), "req-1", TEST_IDENTITY);
    assert.deepEqual(event, {
      version: "2.0",
      routeKey: "GET /orders/{id}",
      rawPath: "/orders/42",
      rawQueryString: "",
      headers: { host: "api.example.com", "user-agent": "agent/1.0" },
      pathParameters: { id: "42" },
      requestContext: {
        accountId: "000000000000",
        apiId: "shop",
        domainName: "api.example.com",
        domainPrefix: "api",
        http: {
          method: "GET",
          path: "/orders/42",
          protocol: "HTTP/1.1",
          sourceIp: "203.0.113.9",
          userAgent: "agent/1.0",
        },
        requestId: "req-1",
        routeKey: "GET /orders/{id}",
        stage: "$default",
        time: "12/Mar/2020:19:03:58 +0000",
        timeEpoch: TEST_EPOCH_MS,
      },
      isBase64Encoded: false,
    });
  });

  it("omits cookies, queryStringParameters, pathParameters and body when there are none", () => {
    const event = toLambdaHttpEvent(
      httpRequest({ pathParameters: {}, routeKey: "$default" }),
      "r",
      TEST_IDENTITY,
    );
    for (const field of ["cookies", "queryStringParameters", "pathParameters", "body"]) {
      assert.equal(field in event, false, field);
    }
  });

  it("moves cookie headers to cookies and joins repeated headers with commas", () => {
    const event = toLambdaHttpEvent(
      httpRequest({
        headers: [
          ["cookie", "a=1; b=2"],
          ["x-tag", "one"],
          ["cookie", "c=3"],
          ["x-tag", "two"],
        ],
      }),
      "r",
      TEST_IDENTITY,
    );
    assert.deepEqual(event.cookies, ["a=1", "b=2", "c=3"]);
    assert.deepEqual(event.headers, { "x-tag": "one,two" });
  });

  it("decodes query parameters and joins repeats with commas, keeping rawQueryString", () => {
    const raw = "parameter1=value1&parameter1=value2&parameter2=a%20b&flag";
    const event = toLambdaHttpEvent(httpRequest({ rawQueryString: raw }), "r", TEST_IDENTITY);
    assert.equal(event.rawQueryString, raw);
    assert.deepEqual(event.queryStringParameters, {
      parameter1: "value1,value2",
      parameter2: "a b",
      flag: "",
    });
  });

  it("passes text bodies as strings", () => {
    const body = new TextEncoder().encode('{"name":"é"}');
    const event = toLambdaHttpEvent(
      httpRequest({ method: "POST", body, headers: [["content-type", "application/json; charset=utf-8"]] }),
      "r",
      TEST_IDENTITY,
    );
    assert.equal(event.body, '{"name":"é"}');
    assert.equal(event.isBase64Encoded, false);
  });

  it("base64-encodes binary bodies, bodies without content-type and invalid UTF-8", () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 0xc3]);
    for (const headers of [[["content-type", "application/octet-stream"]] as const, [] as const]) {
      const event = toLambdaHttpEvent(
        httpRequest({ method: "POST", body: bytes, headers }),
        "r",
        TEST_IDENTITY,
      );
      assert.equal(event.isBase64Encoded, true);
      assert.deepEqual(new Uint8Array(Buffer.from(event.body ?? "", "base64")), bytes);
    }
    const mislabelled = toLambdaHttpEvent(
      httpRequest({ method: "POST", body: bytes, headers: [["content-type", "text/plain"]] }),
      "r",
      TEST_IDENTITY,
    );
    assert.equal(mislabelled.isBase64Encoded, true);
  });

  it("treats an empty body as no body", () => {
    const event = toLambdaHttpEvent(
      httpRequest({ method: "POST", body: new Uint8Array(0) }),
      "r",
      TEST_IDENTITY,
    );
    assert.equal("body" in event, false);
  });
});

describe("isTextual", () => {
  it("recognises text media types", () => {
    for (const type of ["text/html", "application/json", "application/vnd.api+json", "image/svg+xml"]) {
      assert.equal(isTextual(type), true, type);
    }
    for (const type of [undefined, "image/png", "application/octet-stream", "multipart/form-data"]) {
      assert.equal(isTextual(type), false, String(type));
    }
  });
});

describe("formatRequestTime", () => {
  it("pads every field", () => {
    assert.equal(formatRequestTime(Date.UTC(2021, 0, 5, 3, 4, 5)), "05/Jan/2021:03:04:05 +0000");
  });
});
