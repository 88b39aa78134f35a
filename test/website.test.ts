// Static website hosting through the real server: buckets with `website:` served at their
// route without credentials (fixture: test/fixtures/website).
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NimbusError } from "../src/core/errors.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES } from "./helpers.ts";

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe("static websites from buckets", () => {
  let nimbus: TestPlatform;

  /** A request whose path and Host go out exactly as written (fetch would resolve dot segments). */
  function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(nimbus.url);
      const request = httpRequest({ hostname, port, path, method, headers });
      request.on("response", async (response) => {
        let body = "";
        for await (const chunk of response) body += chunk;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
      request.on("error", reject);
      request.end();
    });
  }

  async function upload(bucket: string, key: string, body: string, contentType: string): Promise<void> {
    const response = await nimbus.admin(`/apps/site/buckets/${bucket}/objects/${key}`, {
      method: "PUT",
      headers: { "content-type": contentType },
      body,
    });
    assert.equal(response.status, 200, await response.text());
  }

  const codeOf = (answer: RawAnswer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "website") });
    await upload("www", "index.html", "<h1>home</h1>", "text/html; charset=utf-8");
    await upload("www", "blog/index.html", "<h1>blog</h1>", "text/html; charset=utf-8");
    await upload("www", "style.css", "body { color: teal }", "text/css");
    await upload("www", "404.html", "<h1>lost</h1>", "text/html; charset=utf-8");
    await upload("manual", "start.html", "<h1>manual</h1>", "text/html");
  });
  after(() => nimbus?.stop());

  it("serves the index document at the root and in folders, without credentials", async () => {
    const root = await fetch(`${nimbus.url}/site/`);
    assert.equal(root.status, 200);
    assert.equal(root.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await root.text(), "<h1>home</h1>");
    const blog = await fetch(`${nimbus.url}/site/blog/`);
    assert.deepEqual([blog.status, await blog.text()], [200, "<h1>blog</h1>"]);
    const manual = await fetch(`${nimbus.url}/docs/manual/`);
    assert.deepEqual([manual.status, await manual.text()], [200, "<h1>manual</h1>"], "a custom index");
    for (const [path, location] of [
      ["/site", "/site/"],
      ["/site/blog?x=1", "/site/blog/?x=1"],
    ] as const) {
      const moved = await raw("GET", path);
      assert.deepEqual([moved.status, moved.headers.location], [301, location], path);
    }
  });

  it("serves objects with their content type, ETag and Last-Modified, and leaves function routes alone", async () => {
    const css = await fetch(`${nimbus.url}/site/style.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get("content-type"), "text/css");
    assert.match(css.headers.get("etag") ?? "", /^"[0-9a-f]+"$/);
    assert.ok(Date.parse(css.headers.get("last-modified") ?? "") > 0);
    assert.equal(await css.text(), "body { color: teal }");
    const fn = await fetch(`${nimbus.url}/api/hello`);
    assert.deepEqual([fn.status, await fn.text()], [200, "hello from a function"]);
  });

  it("answers a missing key with the error document and 404, or a plain 404 without one", async () => {
    const missing = await fetch(`${nimbus.url}/site/nope.html`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await missing.text(), "<h1>lost</h1>");
    const plain = await raw("GET", "/docs/manual/nope.html");
    assert.deepEqual([plain.status, codeOf(plain)], [404, "OBJECT_NOT_FOUND"]);
    const emptyFolder = await raw("GET", "/docs/manual/empty/");
    assert.deepEqual([emptyFolder.status, codeOf(emptyFolder)], [404, "OBJECT_NOT_FOUND"]);
  });

  it("answers conditional requests, ranges and HEAD", async () => {
    const first = await fetch(`${nimbus.url}/site/style.css`);
    await first.arrayBuffer();
    const etag = first.headers.get("etag") as string;
    const notModified = await fetch(`${nimbus.url}/site/style.css`, { headers: { "if-none-match": etag } });
    assert.deepEqual([notModified.status, notModified.headers.get("etag")], [304, etag]);
    const changed = await fetch(`${nimbus.url}/site/style.css`, { headers: { "if-none-match": '"other"' } });
    assert.deepEqual([changed.status, await changed.text()], [200, "body { color: teal }"]);

    const ranged = await fetch(`${nimbus.url}/site/style.css`, { headers: { range: "bytes=0-3" } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get("content-range"), "bytes 0-3/20");
    assert.equal(await ranged.text(), "body");
    const outside = await raw("GET", "/site/style.css", { range: "bytes=100-" });
    assert.deepEqual([outside.status, outside.headers["content-range"]], [416, "bytes */20"]);

    const head = await raw("HEAD", "/site/");
    assert.deepEqual(
      [head.status, head.headers["content-length"], head.headers["content-type"], head.body],
      [200, "13", "text/html; charset=utf-8", ""],
    );
    const missingHead = await raw("HEAD", "/site/nope.html");
    assert.deepEqual([missingHead.status, missingHead.body], [404, ""]);
  });

  it("refuses other methods with 405 and stores nothing", async () => {
    for (const method of ["PUT", "POST", "DELETE"]) {
      const answer = await raw(method, "/site/index.html", { "content-length": "0" });
      assert.deepEqual(
        [answer.status, codeOf(answer), answer.headers.allow],
        [405, "METHOD_NOT_ALLOWED", "GET, HEAD"],
      );
    }
    const still = await fetch(`${nimbus.url}/site/index.html`);
    assert.equal(await still.text(), "<h1>home</h1>");
  });

  it("refuses keys that could climb out of the bucket", async () => {
    for (const path of [
      "/site/../secret",
      "/site/a/../../etc/passwd",
      "/site/%2e%2e/x",
      "/site/a%2F..%2F..%2Fb",
      "/site/a/%2E%2E/b",
      "/site/a%5Cb",
      "/site/x%00y",
      "/site/%E0%A4%A",
    ]) {
      const answer = await raw("GET", path);
      assert.deepEqual([answer.status, codeOf(answer)], [400, "OBJECT_KEY_INVALID"], path);
    }
  });

  it("refuses a manifest whose website route is bad, with NIMBUS_MANIFEST_INVALID", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nimbus-website-"));
    try {
      for (const [route, why] of [
        ["site", /starts with "\/"/],
        ["/_nimbus/site", /must not be under \/_nimbus/],
        ["/api", /would hide the HTTP route "GET \/api\/hello"/],
      ] as const) {
        await writeFile(
          join(dir, "nimbus.yaml"),
          `app: site\nfunctions:\n  api:\n    handler: src/api.default\n    events:\n      - http: GET /api/hello\nbuckets:\n  www:\n    website:\n      route: ${route}\n`,
        );
        await assert.rejects(
          nimbus.deploy(dir),
          (error: unknown) =>
            error instanceof NimbusError &&
            error.code === "NIMBUS_MANIFEST_INVALID" &&
            /buckets\.www\.website\.route/.test(error.message) &&
            why.test(error.message),
          route,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const still = await fetch(`${nimbus.url}/site/`);
    assert.equal(await still.text(), "<h1>home</h1>", "the live app is unchanged");
  });

  it("with several apps, serves a website on the host the gateway gives its app", async () => {
    await nimbus.deploy(join(FIXTURES, "buckets"));
    const { port } = new URL(nimbus.url);
    const byHost = await raw("GET", "/site/", { host: `site.localhost:${port}` });
    assert.deepEqual([byHost.status, byHost.body], [200, "<h1>home</h1>"]);
    const otherApp = await raw("GET", "/site/", { host: `album.localhost:${port}` });
    assert.notEqual(otherApp.status, 200, "the album app has no website");
  });
});
