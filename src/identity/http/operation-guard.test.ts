// Start-up fails when an admin API route does not say what it is: the guard refuses to
// register it, so an unguarded operation can never be served.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import type { Authenticator } from "../authenticate.ts";
import type { Authorizer } from "../authorize.ts";
import { installOperationGuard, operation, publicOperation } from "./operation-guard.ts";

function guarded() {
  const app = Fastify({ logger: false });
  const operations = installOperationGuard(app, {
    authenticator: {} as Authenticator,
    authorizer: {} as Authorizer,
  });
  return { app, operations };
}

describe("the operation guard", () => {
  it("refuses a route that declares no operation", async () => {
    const { app } = guarded();
    assert.throws(() => app.get("/_nimbus/unguarded", async () => "x"), /declares no operation/);
    await app.close();
  });

  it("refuses a route that names an action the registry does not know", async () => {
    const { app } = guarded();
    assert.throws(
      () => app.get("/_nimbus/typo", { config: operation("apps:ListAps", () => "*") }, async () => "x"),
      /unknown action "apps:ListAps"/,
    );
    await app.close();
  });

  it("lists every registered operation with its action, once per method", async () => {
    const { app, operations } = guarded();
    app.get("/a", { config: operation("apps:ListApps", () => "*") }, async () => "x");
    app.post("/b", { config: publicOperation("signs in") }, async () => "x");
    await app.ready();
    assert.deepEqual(operations, [
      { method: "GET", url: "/a", action: "apps:ListApps", public: undefined },
      { method: "POST", url: "/b", action: undefined, public: "signs in" },
    ]);
    await app.close();
  });
});
