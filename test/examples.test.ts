// The shipped examples run as their READMEs say: fetch-style, unmodified Lambda, Hono.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, REPO } from "./helpers.ts";

const example = (name: string) => join(REPO, "examples", name);

describe("examples/hello (fetch-style)", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: example("hello") });
  });
  after(() => nimbus?.stop());

  it("greets", async () => {
    const response = await fetch(`${nimbus.url}/hello/Ada`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { message: "Hello, Ada!" });
  });
});

describe("examples/lambda-http (an unmodified Lambda handler, API Gateway v2 events)", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: example("lambda-http") });
  });
  after(() => nimbus?.stop());

  it("gets path parameters, the query, cookies and the Lambda context", async () => {
    const response = await fetch(`${nimbus.url}/users/42?fields=name,email`, {
      headers: { cookie: "theme=dark; session=abc123" },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), ["last-seen=42; Path=/; HttpOnly"]);
    const body = await response.json();
    assert.equal(body.greeting, "Welcome");
    assert.equal(body.id, "42");
    assert.deepEqual(body.fields, ["name", "email"]);
    assert.equal(body.session, "abc123");
    assert.equal(body.requestId, response.headers.get("x-request-id"));
    assert.equal(body.remainingMs, true);
  });

  it("maps a POST body and a 201 with headers", async () => {
    const response = await fetch(`${nimbus.url}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "7", name: "Grace" }),
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("location"), "/users/7");
    assert.deepEqual(await response.json(), { id: "7", name: "Grace" });
  });

  it("answers binary data from a base64 Lambda response, through a greedy route", async () => {
    const response = await fetch(`${nimbus.url}/files/images/dot.png`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.deepEqual([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47], "a PNG signature");
    const missing = await fetch(`${nimbus.url}/files/readme.txt`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "no file readme.txt");
  });
});

describe("the API Gateway v2 event a Lambda handler receives", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "lab") });
  });
  after(() => nimbus?.stop());

  it("has the fields AWS documents", async () => {
    const response = await fetch(`${nimbus.url}/echo/a/b%20c?x=1&x=2&y=`, {
      method: "PUT",
      headers: { "x-multi": "one", "X-Other": "two", cookie: "a=1; b=2", "content-type": "text/plain" },
      body: "hello",
    });
    const event = await response.json();
    assert.equal(event.version, "2.0");
    assert.equal(event.routeKey, "ANY /echo/{path+}");
    assert.equal(event.rawPath, "/echo/a/b%20c");
    assert.equal(event.rawQueryString, "x=1&x=2&y=");
    assert.deepEqual(event.queryStringParameters, { x: "1,2", y: "" });
    assert.deepEqual(event.pathParameters, { path: "a/b c" });
    assert.deepEqual(event.cookies, ["a=1", "b=2"]);
    assert.equal(event.headers["x-other"], "two");
    assert.equal(event.headers.cookie, undefined);
    assert.equal(event.requestContext.http.method, "PUT");
    assert.equal(event.requestContext.http.path, "/echo/a/b%20c");
    assert.equal(event.requestContext.requestId, response.headers.get("x-request-id"));
    assert.equal(event.requestContext.stage, "$default");
    assert.equal(event.body, "hello");
    assert.equal(event.isBase64Encoded, false);
  });
});

describe("examples/hono-app (a Hono app as one function)", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: example("hono-app") });
  });
  after(() => nimbus?.stop());

  it("routes inside the app and keeps state on its warm instance", async () => {
    assert.equal(await (await fetch(`${nimbus.url}/`)).text(), "Hono on Nimbus");
    const created = await fetch(`${nimbus.url}/todos`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://example.com" },
      body: JSON.stringify({ title: "write tests" }),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("access-control-allow-origin"), "*");
    const todo = await created.json();
    assert.deepEqual(await (await fetch(`${nimbus.url}/todos/${todo.id}`)).json(), todo);
    assert.equal((await fetch(`${nimbus.url}/todos/999`)).status, 404);
  });

  it("answers CORS preflights and HEAD", async () => {
    const preflight = await fetch(`${nimbus.url}/todos`, {
      method: "OPTIONS",
      headers: { origin: "https://example.com", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    const head = await fetch(`${nimbus.url}/`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });
});
