import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NimbusError } from "../core/errors.ts";
import { appWithRoutes } from "./gateway-fixtures.ts";
import { type RouteMatch, RouteTable } from "./route-table.ts";

function matchOf(table: RouteTable, method: string, path: string): RouteMatch {
  const match = table.match(method, path);
  assert.ok(match && "functionName" in match, `${method} ${path} should match a route`);
  return match;
}

describe("RouteTable", () => {
  it("matches static paths and decoded path parameters", () => {
    const table = RouteTable.fromApp(appWithRoutes({ users: ["GET /users/{id}", "GET /users/me"] }));
    assert.deepEqual(matchOf(table, "GET", "/users/me").pathParameters, {});
    assert.equal(matchOf(table, "GET", "/users/me").route.routeKey, "GET /users/me");
    const match = matchOf(table, "GET", "/users/a%20b");
    assert.equal(match.functionName, "users");
    assert.equal(match.route.routeKey, "GET /users/{id}");
    assert.deepEqual(match.pathParameters, { id: "a b" });
  });

  it("matches several parameters and a greedy rest", () => {
    const table = RouteTable.fromApp(
      appWithRoutes({ files: ["GET /buckets/{bucket}/files/{path+}"], root: ["GET /"] }),
    );
    assert.deepEqual(matchOf(table, "GET", "/buckets/b1/files/a/b/c%2Ed.txt").pathParameters, {
      bucket: "b1",
      path: "a/b/c.d.txt",
    });
    assert.equal(matchOf(table, "GET", "/").functionName, "root");
    assert.equal(
      table.match("GET", "/buckets/b1/files/"),
      undefined,
      "a greedy parameter needs at least one character",
    );
    assert.equal(table.match("GET", "/buckets//files/x"), undefined, "an empty segment is not a parameter");
  });

  it("prefers static over parameters over greedy", () => {
    const table = RouteTable.fromApp(
      appWithRoutes({ a: ["GET /p/static"], b: ["GET /p/{id}"], c: ["GET /p/{rest+}"] }),
    );
    assert.equal(matchOf(table, "GET", "/p/static").functionName, "a");
    assert.equal(matchOf(table, "GET", "/p/other").functionName, "b");
    assert.equal(matchOf(table, "GET", "/p/x/y").functionName, "c");
  });

  it("matches ANY for every method, after a method-specific route of the same path", () => {
    const table = RouteTable.fromApp(
      appWithRoutes({ any: ["ANY /items/{id}"], get: ["GET /items/{itemId}"] }),
    );
    assert.equal(matchOf(table, "GET", "/items/1").functionName, "get");
    assert.deepEqual(matchOf(table, "GET", "/items/1").pathParameters, { itemId: "1" });
    for (const method of ["POST", "DELETE", "PATCH", "OPTIONS", "HEAD"]) {
      assert.equal(matchOf(table, method, "/items/1").functionName, "any", method);
    }
  });

  it("serves HEAD from the GET route when there is no HEAD route", () => {
    const table = RouteTable.fromApp(
      appWithRoutes({ get: ["GET /page"], head: ["HEAD /other"], other: ["GET /other"] }),
    );
    assert.equal(matchOf(table, "HEAD", "/page").route.routeKey, "GET /page");
    assert.equal(matchOf(table, "HEAD", "/other").functionName, "head");
  });

  it("sends unmatched requests to $default", () => {
    const table = RouteTable.fromApp(appWithRoutes({ api: ["GET /api"], fallback: ["$default"] }));
    const match = matchOf(table, "DELETE", "/anything/at/all");
    assert.equal(match.functionName, "fallback");
    assert.equal(match.route.routeKey, "$default");
    assert.deepEqual(match.pathParameters, {});
    assert.equal(matchOf(table, "POST", "/api").functionName, "fallback");
    assert.equal(matchOf(table, "PROPFIND", "/api").functionName, "fallback");
  });

  it("answers the allowed methods when the path only has other methods", () => {
    const table = RouteTable.fromApp(
      appWithRoutes({ a: ["GET /orders", "POST /orders"], b: ["DELETE /orders/{id}"] }),
    );
    assert.deepEqual(table.match("PUT", "/orders"), { allowedMethods: ["GET", "POST", "HEAD"] });
    assert.deepEqual(table.match("GET", "/orders/1"), { allowedMethods: ["DELETE"] });
    assert.equal(table.match("GET", "/nothing"), undefined);
  });

  it("matches case-sensitively and keeps trailing slashes significant", () => {
    const table = RouteTable.fromApp(appWithRoutes({ a: ["GET /Orders"] }));
    assert.equal(table.match("GET", "/orders"), undefined);
    assert.equal(table.match("GET", "/Orders/"), undefined);
  });

  it("treats a literal colon as part of a static segment", () => {
    const table = RouteTable.fromApp(appWithRoutes({ a: ["GET /v1/items:batch"] }));
    assert.equal(matchOf(table, "GET", "/v1/items:batch").functionName, "a");
  });

  it("refuses a route key declared by two functions, naming both", () => {
    assert.throws(
      () => RouteTable.fromApp(appWithRoutes({ first: ["GET /x"], second: ["GET /x"] })),
      (error: unknown) =>
        error instanceof NimbusError &&
        error.code === "NIMBUS_MANIFEST_INVALID" &&
        error.message.includes('"first"') &&
        error.message.includes('"second"'),
    );
  });

  it("refuses the same path with different parameter names, and two $default routes", () => {
    assert.throws(
      () => RouteTable.fromApp(appWithRoutes({ a: ["GET /u/{id}"], b: ["GET /u/{name}"] })),
      (error: unknown) => error instanceof NimbusError && /"a".*"b"/.test(error.message),
    );
    assert.throws(
      () => RouteTable.fromApp(appWithRoutes({ a: ["$default"], b: ["$default"] })),
      (error: unknown) => error instanceof NimbusError && error.code === "NIMBUS_MANIFEST_INVALID",
    );
  });

  it("allows the same path for different methods in different functions", () => {
    const table = RouteTable.fromApp(appWithRoutes({ read: ["GET /x"], write: ["POST /x"] }));
    assert.equal(matchOf(table, "POST", "/x").functionName, "write");
  });
});
