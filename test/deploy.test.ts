// Deploys, redeploys under load, rollbacks and refused deploys, through the real server.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packageToRequest } from "../src/control/app-package.ts";
import { packageApp } from "../src/control/package-app.ts";
import { createPlatform } from "../src/platform.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { json } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-deploy-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Writes an app whose function answers `version`, with optional extra manifest lines. */
function writeApp(name: string, version: string, code?: string, manifestExtra = ""): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "nimbus.yaml"),
    `app: versions\nfunctions:\n  api:\n    handler: api.default\n    events:\n      - http: GET /version\n${manifestExtra}`,
  );
  writeFileSync(
    join(dir, "api.ts"),
    code ?? `export default { fetch: () => new Response(${JSON.stringify(version)}) };\n`,
  );
  return dir;
}

describe("deploys", () => {
  let nimbus: TestPlatform;
  const version = async () => (await fetch(`${nimbus.url}/version`)).text();
  const activeVersion = async () =>
    (await json<{ activeVersion: number }>(nimbus.admin("/apps/versions"))).activeVersion;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: writeApp("v1", "one") });
  });
  after(() => nimbus?.stop());

  it("refuses an invalid manifest over the admin API, listing the problems, and changes nothing", async () => {
    const before = await activeVersion();
    const body = packageToRequest(await packageApp(writeApp("v1-copy", "one")));
    body.manifest = body.manifest.replace("handler: api.default", "handler: api.default\n    timout: 3s");
    const response = await nimbus.admin("/deployments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 400);
    const { error } = await response.json();
    assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
    assert.match(
      error.message,
      /nimbus\.yaml:5 functions\.api\.timout: unknown key "timout"; did you mean "timeout"\?/,
    );
    assert.equal(await activeVersion(), before);
    assert.equal(await version(), "one");
  });

  it("requires the admin key", async () => {
    const response = await fetch(`${nimbus.url}/_nimbus/apps`);
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error.code, "UNAUTHORIZED");
    const wrong = await fetch(`${nimbus.url}/_nimbus/apps`, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
  });

  it("refuses code that fails to load and keeps serving the old version", async () => {
    const before = await activeVersion();
    const broken = writeApp(
      "broken",
      "",
      'throw new Error("cannot start");\nexport default { fetch: () => new Response("x") };\n',
    );
    await assert.rejects(nimbus.deploy(broken), { code: "FUNCTION_INIT_ERROR" });
    const missingExport = writeApp("missing", "", "export const other = 1;\n");
    await assert.rejects(nimbus.deploy(missingExport), { code: "HANDLER_NOT_FOUND" });
    const syntax = writeApp("syntax", "", "export default {{;\n");
    await assert.rejects(nimbus.deploy(syntax), { code: "BUNDLE_FAILED" });
    assert.equal(await activeVersion(), before);
    assert.equal(await version(), "one");
  });

  it("swaps versions under load without failing a request", async () => {
    let stop = false;
    const seen: string[] = [];
    const failures: string[] = [];
    const load = async () => {
      while (!stop) {
        const response = await fetch(`${nimbus.url}/version`);
        const text = await response.text();
        if (response.status === 200) seen.push(text);
        else failures.push(`${response.status} ${text}`);
      }
    };
    const clients = Array.from({ length: 4 }, load);
    for (const next of ["two", "three", "four"]) await nimbus.deploy(writeApp(next, next));
    stop = true;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.ok(seen.length > 20, `the load ran (${seen.length} requests)`);
    assert.equal(await version(), "four");
  });

  it("rolls back to the previous version as a new version", async () => {
    const before = await activeVersion();
    const response = await nimbus.admin("/apps/versions/rollback", { method: "POST" });
    assert.equal(response.status, 200);
    const { deployment } = await response.json();
    assert.equal(deployment.version, before + 1);
    assert.equal(deployment.sourceVersion, before - 1);
    assert.equal(await version(), "three");
    const missing = await nimbus.admin("/apps/versions/rollback", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ version: 999 }),
    });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "DEPLOYMENT_NOT_FOUND");
  });
});

describe("a restarted platform", () => {
  it("serves what was deployed before it stopped", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nimbus-restart-"));
    const adminKey = "nk_test_restart_key_0123456789";
    try {
      const first = createPlatform({ dataDir, port: 0, adminKey });
      const { url } = await first.start();
      await first.deploy(await packageApp(writeApp("restart", "persisted")));
      assert.equal(await (await fetch(`${url}/version`)).text(), "persisted");
      await first.stop();

      const second = createPlatform({ dataDir, port: 0, adminKey });
      const { url: secondUrl } = await second.start();
      try {
        assert.equal(await (await fetch(`${secondUrl}/version`)).text(), "persisted");
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
