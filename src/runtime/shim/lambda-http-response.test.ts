import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { headerValues } from "./handler-adapter-fixtures.ts";
import { fromLambdaHttpResult } from "./lambda-http-response.ts";
import { ResponseInvalidError } from "./shim-errors.ts";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const JSON_HEADERS = [["content-type", "application/json"]];

describe("fromLambdaHttpResult", () => {
  it("maps a structured response", () => {
    const result = fromLambdaHttpResult({
      statusCode: 201,
      headers: { "Content-Type": "text/plain", "X-Count": 3 },
      body: "created",
    });
    assert.equal(result.status, 201);
    assert.deepEqual(result.headers, [
      ["content-type", "text/plain"],
      ["x-count", "3"],
    ]);
    assert.equal(text(result.body), "created");
  });

  it("turns cookies into one set-cookie header each", () => {
    const result = fromLambdaHttpResult({ statusCode: 200, cookies: ["a=1; Path=/", "b=2; HttpOnly"] });
    assert.deepEqual(headerValues(result.headers, "set-cookie"), ["a=1; Path=/", "b=2; HttpOnly"]);
    assert.equal(result.body.byteLength, 0);
  });

  it("honours multiValueHeaders, which replace the same name in headers", () => {
    const result = fromLambdaHttpResult({
      statusCode: 200,
      headers: { "x-one": "single", "x-two": "dropped" },
      multiValueHeaders: { "X-Two": ["a", "b"] },
    });
    assert.deepEqual(headerValues(result.headers, "x-one"), ["single"]);
    assert.deepEqual(headerValues(result.headers, "x-two"), ["a", "b"]);
  });

  it("decodes base64 bodies", () => {
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const result = fromLambdaHttpResult({
      statusCode: 200,
      body: Buffer.from(bytes).toString("base64"),
      isBase64Encoded: true,
    });
    assert.deepEqual(result.body, bytes);
  });

  it("infers 200 application/json for values without statusCode (AWS format 2.0 rule)", () => {
    const object = fromLambdaHttpResult({ message: "hi" });
    assert.equal(object.status, 200);
    assert.deepEqual(object.headers, JSON_HEADERS);
    assert.equal(text(object.body), '{"message":"hi"}');
    assert.equal(text(fromLambdaHttpResult([1, 2]).body), "[1,2]");
    assert.equal(text(fromLambdaHttpResult(42).body), "42");
    assert.equal(text(fromLambdaHttpResult(true).body), "true");
  });

  it("uses a returned string as the body itself", () => {
    const result = fromLambdaHttpResult("Hello from Lambda!");
    assert.equal(result.status, 200);
    assert.deepEqual(result.headers, JSON_HEADERS);
    assert.equal(text(result.body), "Hello from Lambda!");
  });

  it("answers undefined and null with the JSON null, as the Lambda runtime serialises them", () => {
    for (const value of [undefined, null]) {
      const result = fromLambdaHttpResult(value);
      assert.equal(result.status, 200);
      assert.equal(text(result.body), "null");
    }
  });

  it("rejects invalid shapes with ResponseInvalidError", () => {
    const invalid: unknown[] = [
      { statusCode: "200" },
      { statusCode: 99 },
      { statusCode: 200, body: { not: "a string" } },
      { statusCode: 200, headers: { "x-a": { nested: true } } },
      { statusCode: 200, cookies: "a=1" },
      { statusCode: 200, multiValueHeaders: { "x-a": "not-an-array" } },
      10n,
      () => 1,
    ];
    for (const value of invalid) {
      assert.throws(() => fromLambdaHttpResult(value), ResponseInvalidError, String(value));
    }
  });
});
