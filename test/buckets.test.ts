// Buckets through the real server: declared in nimbus.yaml, objects over the documented HTTP
// API (/_nimbus/apps/:app/buckets/...): streamed puts, ranges, conditional reads, listings
// with delimiters and pages, copies, metadata; bad keys refused with a code and no change;
// every operation guarded by IAM on bucket/<name>/<key>.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { createAccessKey } from "./identity-helpers.ts";

interface ObjectView {
  key: string;
  sizeBytes: number;
  etag: string;
  contentType: string;
  metadata: Record<string, string>;
}

describe("buckets over the HTTP API", () => {
  let nimbus: TestPlatform;
  const objectPath = (bucket: string, key: string) => `/apps/album/buckets/${bucket}/objects/${key}`;

  function put(key: string, body: BodyInit, headers: Record<string, string> = {}, bucket = "photos") {
    return nimbus.admin(objectPath(bucket, key), { method: "PUT", headers, body });
  }

  /** A PUT whose path goes out exactly as written. */
  function rawPut(path: string, body: string): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(nimbus.url);
      // host/port/path options, not a URL string: node would resolve a URL's dot segments.
      const request = httpRequest({
        hostname,
        port,
        path,
        method: "PUT",
        headers: { authorization: `Bearer ${nimbus.adminKey}`, "content-length": Buffer.byteLength(body) },
      });
      request.on("response", async (response) => {
        let text = "";
        for await (const chunk of response) text += chunk;
        resolve([response.statusCode ?? 0, text]);
      });
      request.on("error", reject);
      request.end(body);
    });
  }

  async function errorOf(response: Response): Promise<[number, string]> {
    return [response.status, (await json<{ error: { code: string } }>(response)).error.code];
  }

  async function keysOf(query: string): Promise<{ keys: string[]; prefixes: string[]; token?: string }> {
    const listed = await json<{
      objects: ObjectView[];
      commonPrefixes: string[];
      continuationToken?: string;
    }>(nimbus.admin(`/apps/album/buckets/photos/objects?${query}`));
    return {
      keys: listed.objects.map((each) => each.key),
      prefixes: listed.commonPrefixes,
      ...(listed.continuationToken ? { token: listed.continuationToken } : {}),
    };
  }

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "buckets") });
  });
  after(() => nimbus?.stop());

  it("lists the declared buckets with their settings", async () => {
    const { buckets } = await json<{ buckets: { name: string; access: string }[] }>(
      nimbus.admin("/apps/album/buckets"),
    );
    assert.deepEqual(
      buckets.map((each) => [each.name, each.access]),
      [
        ["photos", "private"],
        ["public-assets", "public-read"],
      ],
    );
  });

  it("puts an object and reads it back with its type, ETag and user metadata", async () => {
    const stored = await put("cats/tom.txt", "hello, tom", {
      "content-type": "text/plain",
      "x-nimbus-meta-owner": "ann",
    });
    assert.equal(stored.status, 200, await stored.clone().text());
    const view = await json<ObjectView>(stored);
    assert.equal(
      view.etag,
      `"${createHash("md5").update("hello, tom").digest("hex")}"`,
      "S3's ETag: the MD5",
    );
    assert.equal(view.sizeBytes, 10);

    const read = await nimbus.admin(objectPath("photos", "cats/tom.txt"));
    assert.equal(read.status, 200);
    assert.equal(read.headers.get("content-type"), "text/plain");
    assert.equal(read.headers.get("etag"), view.etag);
    assert.equal(read.headers.get("x-nimbus-meta-owner"), "ann");
    assert.equal(read.headers.get("content-length"), "10");
    assert.equal(await read.text(), "hello, tom");

    const head = await nimbus.admin(objectPath("photos", "cats/tom.txt"), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), view.etag);
    assert.equal(head.headers.get("content-length"), "10");
  });

  it("answers byte ranges, and 416 for a range past the end", async () => {
    await put("digits.txt", "0123456789");
    const ranged = async (range: string) => {
      const response = await nimbus.admin(objectPath("photos", "digits.txt"), { headers: { range } });
      return [response.status, response.headers.get("content-range"), await response.text()];
    };
    assert.deepEqual(await ranged("bytes=2-4"), [206, "bytes 2-4/10", "234"]);
    assert.deepEqual(await ranged("bytes=7-"), [206, "bytes 7-9/10", "789"]);
    assert.deepEqual(await ranged("bytes=-3"), [206, "bytes 7-9/10", "789"]);
    assert.deepEqual(await ranged("bytes=8-100"), [206, "bytes 8-9/10", "89"]);
    const beyond = await nimbus.admin(objectPath("photos", "digits.txt"), {
      headers: { range: "bytes=10-" },
    });
    assert.equal(beyond.headers.get("content-range"), "bytes */10");
    assert.deepEqual(await errorOf(beyond), [416, "OBJECT_RANGE_NOT_SATISFIABLE"]);
  });

  it("answers conditional reads with 304 and 412", async () => {
    const { etag } = await json<ObjectView>(put("cond.txt", "v1"));
    const get = (headers: Record<string, string>) =>
      nimbus.admin(objectPath("photos", "cond.txt"), { headers });
    assert.equal((await get({ "if-none-match": etag })).status, 304);
    assert.equal((await get({ "if-none-match": '"other"' })).status, 200);
    const future = new Date(Date.now() + 60_000).toUTCString();
    const past = new Date(Date.now() - 3_600_000).toUTCString();
    assert.equal((await get({ "if-modified-since": future })).status, 304);
    assert.equal((await get({ "if-modified-since": past })).status, 200);
    assert.equal((await get({ "if-match": etag })).status, 200);
    assert.deepEqual(await errorOf(await get({ "if-match": '"other"' })), [
      412,
      "OBJECT_PRECONDITION_FAILED",
    ]);
    assert.deepEqual(await errorOf(await get({ "if-unmodified-since": past })), [
      412,
      "OBJECT_PRECONDITION_FAILED",
    ]);
  });

  it("lists with a prefix, a delimiter and continuation tokens", async () => {
    for (const key of ["list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c/1.txt", "list/d.txt"])
      assert.equal((await put(key, key)).status, 200);
    assert.deepEqual(await keysOf("prefix=list/&delimiter=/"), {
      keys: ["list/a.txt", "list/d.txt"],
      prefixes: ["list/b/", "list/c/"],
    });
    const first = await keysOf("prefix=list/&maxKeys=2");
    assert.deepEqual(first.keys, ["list/a.txt", "list/b/1.txt"]);
    assert.ok(first.token);
    const second = await keysOf(`prefix=list/&maxKeys=2&continuationToken=${first.token}`);
    assert.deepEqual(second.keys, ["list/b/2.txt", "list/c/1.txt"]);
    const third = await keysOf(`prefix=list/&maxKeys=2&continuationToken=${second.token}`);
    assert.deepEqual(third, { keys: ["list/d.txt"], prefixes: [] });
    const delimited = await keysOf("prefix=list/&delimiter=/&maxKeys=2");
    assert.deepEqual([delimited.keys, delimited.prefixes], [["list/a.txt"], ["list/b/"]]);
    const rest = await keysOf(`prefix=list/&delimiter=/&maxKeys=2&continuationToken=${delimited.token}`);
    assert.deepEqual([rest.keys, rest.prefixes, rest.token], [["list/d.txt"], ["list/c/"], undefined]);
  });

  it("copies an object, keeping or replacing its metadata, and deletes", async () => {
    await put("orig.txt", "original", { "content-type": "text/plain", "x-nimbus-meta-tag": "a" });
    const kept = await put("copy.txt", "", { "x-nimbus-copy-source": "photos/orig.txt" });
    assert.equal(kept.status, 200, await kept.clone().text());
    assert.deepEqual((await json<ObjectView>(kept)).metadata, { tag: "a" });
    const replaced = await put("copy2.txt", "", {
      "x-nimbus-copy-source": "photos/orig.txt",
      "x-nimbus-metadata-directive": "REPLACE",
      "content-type": "text/markdown",
      "x-nimbus-meta-tag": "b",
    });
    assert.deepEqual((await json<ObjectView>(replaced)).metadata, { tag: "b" });
    assert.equal(await (await nimbus.admin(objectPath("photos", "copy.txt"))).text(), "original");

    assert.equal((await nimbus.admin(objectPath("photos", "orig.txt"), { method: "DELETE" })).status, 204);
    assert.deepEqual(await errorOf(await nimbus.admin(objectPath("photos", "orig.txt"))), [
      404,
      "OBJECT_NOT_FOUND",
    ]);
    assert.equal(
      await (await nimbus.admin(objectPath("photos", "copy.txt"))).text(),
      "original",
      "copies are independent",
    );
    assert.equal(
      (await nimbus.admin(objectPath("photos", "orig.txt"), { method: "DELETE" })).status,
      204,
      "idempotent",
    );
    const missingSource = await put("copy3.txt", "", { "x-nimbus-copy-source": "photos/orig.txt" });
    assert.deepEqual(await errorOf(missingSource), [404, "OBJECT_NOT_FOUND"]);
  });

  it("refuses keys that could name a path outside the bucket, and unknown buckets", async () => {
    // Sent with node:http: fetch would resolve the dot segments before sending.
    for (const key of ["a/../../etc/passwd", "./x", "a/./b", "..", "a%2F..%2F..%2Fb", "a%5Cb", "x%00y"]) {
      const [status, body] = await rawPut(`/_nimbus${objectPath("photos", key)}`, "evil");
      assert.deepEqual([status, JSON.parse(body).error.code], [400, "OBJECT_KEY_INVALID"], key);
    }
    assert.deepEqual(await errorOf(await put("ok.txt", "x", {}, "nope")), [404, "BUCKET_NOT_FOUND"]);
    assert.deepEqual((await keysOf("prefix=a")).keys, [], "nothing stored");
  });

  it("streams a large object in and out without changing a byte", async () => {
    const sizeBytes = 24 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024);
    for (let index = 0; index < chunk.length; index++) chunk[index] = index % 251;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.length;
        controller.enqueue(chunk);
        if (pulled >= sizeBytes) controller.close();
      },
    });
    let pulled = 0;
    const stored = await nimbus.admin(objectPath("photos", "big.bin"), {
      method: "PUT",
      body,
      duplex: "half",
    } as RequestInit);
    assert.equal(stored.status, 200, await stored.clone().text());
    assert.equal((await json<ObjectView>(stored)).sizeBytes, sizeBytes);
    const read = await nimbus.admin(objectPath("photos", "big.bin"), {
      headers: { range: `bytes=${sizeBytes - 5}-` },
    });
    assert.deepEqual([...new Uint8Array(await read.arrayBuffer())], [...chunk.subarray(chunk.length - 5)]);
  });

  it("leaves nothing behind when an upload is cut off, and keeps the previous object", async () => {
    await put("cut.bin", "previous");
    const url = new URL(`${nimbus.url}/_nimbus${objectPath("photos", "cut.bin")}`);
    await new Promise<void>((resolve) => {
      const request = httpRequest(url, {
        method: "PUT",
        headers: { authorization: `Bearer ${nimbus.adminKey}`, "content-length": 1_000_000 },
      });
      request.on("error", () => resolve());
      request.on("close", () => resolve());
      request.write(Buffer.alloc(100_000), () => request.destroy());
    });
    const tempDir = join(nimbus.dataDir, "blobs", "tmp");
    await waitFor(
      async () => (await readdir(tempDir)).length === 0 || undefined,
      "the temp file to go",
      10_000,
    );
    assert.equal(await (await nimbus.admin(objectPath("photos", "cut.bin"))).text(), "previous");
  });

  it("serves function code through nimbus/sdk with the function's own rights", async () => {
    const response = await fetch(`${nimbus.url}/sdk`, { method: "POST" });
    assert.equal(response.status, 200, await response.clone().text());
    const result = await json<Record<string, unknown>>(response);
    assert.deepEqual(result, {
      etag: `"${createHash("md5").update("from a function").digest("hex")}"`,
      text: "from a function",
      part: "a",
      metadata: { by: "sdk" },
      keys: ["fn/note.txt"],
      deniedCode: "ACCESS_DENIED",
      missingCode: "OBJECT_NOT_FOUND",
    });
  });

  it("presigns GET and PUT URLs that work without credentials until they expire", async () => {
    const presign = async (method: "get" | "put", key: string, expiresInSeconds?: number) =>
      json<{ url: string; expiresAt: string }>(
        nimbus.admin(`/apps/album/buckets/photos/presign/${method}/${key}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
        }),
      );
    const upload = await presign("put", "browser/up.txt", 60);
    const origin = "https://album.example";
    const preflight = await fetch(upload.url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "PUT" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
    const put = await fetch(upload.url, { method: "PUT", headers: { origin }, body: "from a browser" });
    assert.equal(put.status, 200, await put.clone().text());
    assert.equal(put.headers.get("access-control-allow-origin"), origin);

    const download = await presign("get", "browser/up.txt");
    assert.equal(await (await fetch(download.url)).text(), "from a browser");
    assert.deepEqual(await errorOf(await fetch(download.url, { method: "PUT", body: "x" })), [
      403,
      "PRESIGNED_URL_INVALID",
    ]);
    const tampered = download.url.replace("browser/up.txt", "browser/other.txt");
    assert.deepEqual(await errorOf(await fetch(tampered)), [403, "PRESIGNED_URL_INVALID"]);
    const expired = new URL(download.url);
    expired.searchParams.set("expires", String(Math.floor(Date.now() / 1000) - 10));
    assert.deepEqual(await errorOf(await fetch(expired)), [403, "PRESIGNED_URL_INVALID"], "expiry is signed");
    const unsigned = `${nimbus.url}/_nimbus/apps/album/buckets/photos/public/browser/up.txt`;
    assert.deepEqual(
      await errorOf(await fetch(unsigned)),
      [403, "PRESIGNED_URL_INVALID"],
      "photos is private",
    );
  });

  it("serves public-read buckets to anyone, for reading only", async () => {
    assert.equal(
      (await put("logo.svg", "<svg/>", { "content-type": "image/svg+xml" }, "public-assets")).status,
      200,
    );
    const url = `${nimbus.url}/_nimbus/apps/album/buckets/public-assets/public/logo.svg`;
    const read = await fetch(url);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get("content-type"), "image/svg+xml");
    assert.equal(await read.text(), "<svg/>");
    assert.deepEqual(await errorOf(await fetch(url, { method: "PUT", body: "x" })), [
      403,
      "PRESIGNED_URL_INVALID",
    ]);
  });

  it("calls functions with S3-shaped events for matching object changes", async () => {
    const { etag } = await json<ObjectView>(put("uploads/my cat.jpg", "jpeg bytes"));
    assert.equal((await put("uploads/notes.txt", "not a jpg")).status, 200);
    assert.equal(
      (await nimbus.admin(objectPath("photos", "uploads/my%20cat.jpg"), { method: "DELETE" })).status,
      204,
    );
    const seen = await waitFor(
      async () => {
        const { keys } = await keysOf("prefix=seen/");
        return keys.length >= 2 ? keys : undefined;
      },
      "the function to record both events",
      30_000,
    );
    assert.deepEqual(seen, [
      "seen/ObjectCreated:Put/uploads/my cat.jpg",
      "seen/ObjectRemoved:Delete/uploads/my cat.jpg",
    ]);
    const created = await json<{ s3: { bucket: { name: string }; object: Record<string, unknown> } }>(
      nimbus.admin(objectPath("photos", "seen/ObjectCreated:Put/uploads/my%20cat.jpg")),
    );
    assert.equal(created.s3.bucket.name, "photos");
    assert.equal(created.s3.object.key, "uploads/my+cat.jpg", "keys are URL-encoded as S3 does");
    assert.equal(created.s3.object.size, 10);
    assert.equal(created.s3.object.eTag, etag.replaceAll('"', ""));
  });

  it("guards every operation with IAM on bucket/<name>/<key>", async () => {
    const key = await createAccessKey(nimbus, "uploader", [
      {
        actions: ["buckets:PutObject", "buckets:GetObject"],
        resources: ["nrn:album:bucket/photos/uploads/*"],
      },
    ]);
    const as = (method: string, path: string, body?: string) =>
      fetch(`${nimbus.url}/_nimbus${path}`, { method, headers: { authorization: key.authorization }, body });
    assert.equal((await as("PUT", objectPath("photos", "uploads/a.txt"), "mine")).status, 200);
    assert.equal(await (await as("GET", objectPath("photos", "uploads/a.txt"))).text(), "mine");
    assert.deepEqual(await errorOf(await as("PUT", objectPath("photos", "other/a.txt"), "x")), [
      403,
      "ACCESS_DENIED",
    ]);
    assert.deepEqual(await errorOf(await as("DELETE", objectPath("photos", "uploads/a.txt"))), [
      403,
      "ACCESS_DENIED",
    ]);
    assert.deepEqual(await errorOf(await as("GET", "/apps/album/buckets/photos/objects")), [
      403,
      "ACCESS_DENIED",
    ]);
    const copy = await fetch(`${nimbus.url}/_nimbus${objectPath("photos", "uploads/b.txt")}`, {
      method: "PUT",
      headers: { authorization: key.authorization, "x-nimbus-copy-source": "photos/cats/tom.txt" },
    });
    assert.deepEqual(await errorOf(copy), [403, "ACCESS_DENIED"], "a copy needs GetObject on its source");
    const anonymous = await fetch(`${nimbus.url}/_nimbus${objectPath("photos", "uploads/a.txt")}`);
    assert.equal(anonymous.status, 401);
  });
});
