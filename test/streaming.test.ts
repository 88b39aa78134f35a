// Streamed responses through the real gateway: the first bytes reach the client while the
// function is provably still running (it waits for the test's go), with the same limits.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

const decoder = new TextDecoder();

interface Invocation {
  status: string;
  errorCode?: string;
  httpStatus?: number;
}

describe("response streaming", () => {
  let nimbus: TestPlatform;
  let dir: string;
  let releases = 0;
  const invocation = (requestId: string) =>
    waitFor(async () => {
      const response = await nimbus.admin(`/invocations/${requestId}`);
      return response.ok ? ((await response.json()) as Invocation) : undefined;
    }, `the invocation record of ${requestId}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nimbus-streaming-"));
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "streaming") });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Calls a route that streams "first", waits for its release file, then streams "second". */
  async function firstChunkBeforeTheEnd(path: string): Promise<void> {
    const release = join(dir, `release-${releases++}`);
    const response = await fetch(`${nimbus.url}${path}?release=${encodeURIComponent(release)}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain");
    assert.equal(response.headers.get("content-length"), null, "no length: the body is streamed");
    const requestId = response.headers.get("x-request-id") as string;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.equal(decoder.decode(first.value), "first\n");
    // The function has not ended: it waits for the release file, and has no record yet.
    assert.equal((await nimbus.admin(`/invocations/${requestId}`)).status, 404);
    writeFileSync(release, "go");
    let rest = "";
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += decoder.decode(next.value);
    assert.equal(rest, "second\n");
    const record = await invocation(requestId);
    assert.equal(record.status, "success");
    assert.equal(record.httpStatus, 200);
  }

  it("awslambda.streamifyResponse: the first chunk arrives before the function ends", async () => {
    await firstChunkBeforeTheEnd("/lambda/stream");
  });

  it("a fetch handler's ReadableStream body: the first chunk arrives before the function ends", async () => {
    await firstChunkBeforeTheEnd("/fetch/stream");
  });

  it("a body that is complete at once is sent whole, with its length, as before", async () => {
    const response = await fetch(`${nimbus.url}/fetch/whole`);
    assert.equal(response.headers.get("content-length"), String('{"whole":true}'.length));
    assert.deepEqual(await response.json(), { whole: true });
  });

  it("HttpResponseStream.from sets the status, headers and cookies; the default is octet-stream", async () => {
    const made = await fetch(`${nimbus.url}/lambda/metadata`);
    assert.equal(made.status, 201);
    assert.equal(made.headers.get("x-streamed"), "yes");
    assert.deepEqual(made.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.equal(await made.text(), "made");
    const plain = await fetch(`${nimbus.url}/lambda/default`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("content-type"), "application/octet-stream");
    assert.equal(await plain.text(), "bytes");
  });

  it("a throw before the first byte is a normal 502; after it, the response is cut", async () => {
    const early = await fetch(`${nimbus.url}/lambda/fail-first`);
    assert.equal(early.status, 502);
    assert.equal((await early.json()).error.code, "FUNCTION_ERROR");
    const late = await fetch(`${nimbus.url}/lambda/fail-later`);
    assert.equal(late.status, 200);
    await assert.rejects(late.text(), "the client sees an incomplete response");
    const record = await invocation(late.headers.get("x-request-id") as string);
    assert.equal(record.errorCode, "FUNCTION_ERROR");
  });

  it("keeps the timeout: a stream that runs past it is cut and recorded as FUNCTION_TIMEOUT", async () => {
    const response = await fetch(`${nimbus.url}/slow/hang`);
    assert.equal(response.status, 200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    assert.equal(decoder.decode((await reader.read()).value), "first\n");
    await assert.rejects(reader.read(), "cut at the timeout");
    const record = await invocation(response.headers.get("x-request-id") as string);
    assert.equal(record.errorCode, "FUNCTION_TIMEOUT");
  });

  it("cuts a stream over 20 MB (FUNCTION_RESPONSE_INVALID)", async () => {
    const response = await fetch(`${nimbus.url}/lambda/big`);
    await assert.rejects(response.arrayBuffer());
    const record = await invocation(response.headers.get("x-request-id") as string);
    assert.equal(record.errorCode, "FUNCTION_RESPONSE_INVALID");
  });

  it("gives a direct call the whole streamed body at once", async () => {
    const result = await json<{ status: string; body: string; statusCode: number }>(
      nimbus.admin("/apps/streaming/functions/lambda/invoke", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ pathParameters: { mode: "metadata" } }),
      }),
    );
    assert.equal(result.status, "success");
    assert.equal(result.statusCode, 201);
    assert.equal(result.body, "made");
  });
});
