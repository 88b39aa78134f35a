import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromFetchResponse, toFetchRequest } from "./fetch-http.ts";
import { headerValues, httpRequest } from "./handler-adapter-fixtures.ts";
import { ResponseInvalidError } from "./shim-errors.ts";

describe("toFetchRequest", () => {
  it("rebuilds the full URL, method and headers", () => {
    const request = toFetchRequest(
      httpRequest({ rawPath: "/a%20b/c", rawQueryString: "x=1&x=2", headers: [["x-tag", "1"]] }),
    );
    assert.equal(request.url, "http://api.example.com/a%20b/c?x=1&x=2");
    assert.equal(request.method, "GET");
    assert.equal(request.headers.get("x-tag"), "1");
    assert.equal(request.body, null);
  });

  it("uses https when x-forwarded-proto says so", () => {
    const request = toFetchRequest(httpRequest({ headers: [["x-forwarded-proto", "https"]] }));
    assert.equal(request.url, "https://api.example.com/orders/42");
  });

  it("carries binary bodies byte for byte", async () => {
    const bytes = new Uint8Array([0, 255, 10, 13]);
    const request = toFetchRequest(httpRequest({ method: "POST", body: bytes }));
    assert.deepEqual(new Uint8Array(await request.arrayBuffer()), bytes);
  });

  it("drops a body on HEAD", () => {
    const request = toFetchRequest(httpRequest({ method: "HEAD", body: new Uint8Array([1]) }));
    assert.equal(request.body, null);
  });
});

describe("fromFetchResponse", () => {
  it("keeps status, headers, repeated set-cookie and all body bytes", async () => {
    const headers = new Headers({ "content-type": "application/octet-stream" });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2, with comma; Expires=Wed, 21 Oct 2015 07:28:00 GMT");
    const bytes = new Uint8Array(70_000).map((_, index) => index % 256);
    const result = await fromFetchResponse(new Response(bytes, { status: 207, headers }));
    assert.equal(result.status, 207);
    assert.deepEqual(headerValues(result.headers, "content-type"), ["application/octet-stream"]);
    assert.deepEqual(headerValues(result.headers, "set-cookie"), [
      "a=1; Path=/",
      "b=2, with comma; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
    ]);
    assert.deepEqual(result.body, bytes);
  });

  it("reads streamed bodies and answers an empty body for null", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2]));
        controller.enqueue(new Uint8Array([3]));
        controller.close();
      },
    });
    assert.deepEqual((await fromFetchResponse(new Response(stream))).body, new Uint8Array([1, 2, 3]));
    assert.equal((await fromFetchResponse(new Response(null, { status: 204 }))).body.byteLength, 0);
  });

  it("rejects anything that is not a Response", async () => {
    for (const value of [undefined, null, "text", { status: 200 }, 42]) {
      await assert.rejects(fromFetchResponse(value), ResponseInvalidError);
    }
  });
});
