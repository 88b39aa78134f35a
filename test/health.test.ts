// The health endpoints every node answers before any function route: /healthz (live) and
// /readyz (ready: started, not draining, store answering), and the manifest refusing
// routes on them.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packageToRequest } from "../src/control/app-package.ts";
import { packageApp } from "../src/control/package-app.ts";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { json } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-health-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** An app whose one function takes every path ($default) and answers "function". */
function catchAllApp(route = "$default"): string {
  const dir = mkdtempSync(join(root, "app-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "nimbus.yaml"),
    `app: catchall\nfunctions:\n  all:\n    handler: all.default\n    events:\n      - http: ${route}\n`,
  );
  writeFileSync(join(dir, "all.ts"), `export default { fetch: () => new Response("function") };\n`);
  return dir;
}

describe("health endpoints", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: catchAllApp() });
  });
  after(() => nimbus?.stop());

  it("answers /healthz and /readyz itself, even when an app takes every path", async () => {
    assert.equal(await (await fetch(`${nimbus.url}/anything`)).text(), "function");
    const live = await fetch(`${nimbus.url}/healthz`);
    assert.equal(live.status, 200);
    assert.equal(live.headers.get("cache-control"), "no-store");
    assert.deepEqual(await live.json(), { status: "ok", node: nimbus.platform.nodeId });
    const ready = await fetch(`${nimbus.url}/readyz?verbose=1`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready", node: nimbus.platform.nodeId });
    assert.equal((await fetch(`${nimbus.url}/readyz`, { method: "HEAD" })).status, 200);
  });

  it("answers other methods 405 with Allow", async () => {
    const response = await fetch(`${nimbus.url}/healthz`, { method: "POST" });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    assert.equal((await json<{ error: { code: string } }>(response)).error.code, "METHOD_NOT_ALLOWED");
  });

  it("refuses a manifest route on a health path with NIMBUS_MANIFEST_INVALID, changing nothing", async () => {
    for (const route of ["GET /healthz", "ANY /readyz"]) {
      const body = packageToRequest(await packageApp(catchAllApp()));
      body.manifest = body.manifest.replace("http: $default", `http: ${route}`);
      const response = await nimbus.admin("/deployments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 400, route);
      const { error } = await json<{ error: { code: string; message: string } }>(response);
      assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
      assert.match(error.message, /is reserved for the platform's health endpoints/);
    }
    const { activeVersion } = await json<{ activeVersion: number }>(nimbus.admin("/apps/catchall"));
    assert.equal(activeVersion, 1);
  });
});

describe("/readyz on PostgreSQL", () => {
  it("says 503 with the reason when the store stops answering, while /healthz stays 200", async () => {
    const database = await createTestDatabase();
    let dropped = false;
    const nimbus = await startTestPlatform({ options: { storeUrl: database.url } });
    try {
      assert.equal((await fetch(`${nimbus.url}/readyz`)).status, 200);
      await database.drop(); // ends every session and removes the database: the store is gone
      dropped = true;
      const ready = await fetch(`${nimbus.url}/readyz`);
      assert.equal(ready.status, 503);
      const body = await json<{ status: string; reason: string }>(ready);
      assert.equal(body.status, "not-ready");
      assert.match(body.reason, /^store unreachable: /);
      assert.equal((await fetch(`${nimbus.url}/healthz`)).status, 200);
    } finally {
      await nimbus.stop();
      if (!dropped) await database.drop();
    }
  });
});
