import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorOfReport, resultOfResponse } from "./runtime-response.ts";

const bytes = (text: string) => Buffer.from(text);

describe("what a custom runtime posts", () => {
  it("maps an HTTP call's response exactly as a Node Lambda handler's return value", () => {
    const result = resultOfResponse(
      "http",
      bytes(JSON.stringify({ statusCode: 201, headers: { "X-A": "1" }, cookies: ["c=1"], body: "made" })),
    );
    assert.equal(result.status, 201);
    assert.deepEqual(result.headers, [
      ["x-a", "1"],
      ["set-cookie", "c=1"],
    ]);
    assert.equal(Buffer.from(result.body).toString(), "made");
    const inferred = resultOfResponse("http", bytes('{"ok":true}'));
    assert.equal(inferred.status, 200);
    assert.equal(Buffer.from(inferred.body).toString(), '{"ok":true}');
    assert.equal(Buffer.from(resultOfResponse("http", bytes("")).body).toString(), "null");
  });

  it("refuses an HTTP response that is not JSON, and passes a direct call's bytes through", () => {
    assert.throws(() => resultOfResponse("http", bytes("plain text")), /is not JSON/);
    const direct = resultOfResponse("direct", bytes("plain text"));
    assert.equal(Buffer.from(direct.body).toString(), "plain text");
  });

  it("reads Lambda's error shape, and keeps whatever else was posted", () => {
    const report = errorOfReport(
      bytes(JSON.stringify({ errorMessage: "boom", errorType: "Oops", stackTrace: ["a.py:1", "b.py:2"] })),
      undefined,
    );
    assert.deepEqual(report, { name: "Oops", message: "boom", stack: "Oops: boom\n    a.py:1\n    b.py:2" });
    assert.deepEqual(errorOfReport(bytes("it broke"), "Runtime.Crash"), {
      name: "Runtime.Crash",
      message: "it broke",
    });
    assert.deepEqual(errorOfReport(bytes('{"x":1}'), undefined), {
      name: "Runtime.Unknown",
      message: '{"x":1}',
    });
  });
});
