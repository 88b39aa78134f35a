// The whole platform over the PostgreSQL store: deploy, serve, restart on the same database.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packageApp } from "../src/control/package-app.ts";
import { createPlatform } from "../src/platform.ts";
import { createTestDatabase, type TestDatabase } from "../src/store/postgres/test-database.ts";
import { REPO } from "./helpers.ts";

describe("a platform on PostgreSQL (storeUrl)", () => {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), "nimbus-pg-platform-"));
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps deployments in PostgreSQL and serves them after a restart", async () => {
    const options = { dataDir, port: 0, adminKey: "nk_test_postgres_0123456789", storeUrl: database.url };
    const first = createPlatform(options);
    const { url } = await first.start();
    try {
      await first.deploy(await packageApp(join(REPO, "examples", "hello")));
      assert.deepEqual(await (await fetch(`${url}/hello/pg`)).json(), { message: "Hello, pg!" });
    } finally {
      await first.stop();
    }
    const rows = await database.query<{ app: string; version: number }>(
      "SELECT app, version FROM deployments",
    );
    assert.deepEqual(rows, [{ app: "hello", version: 1 }]);

    const second = createPlatform(options);
    const { url: secondUrl } = await second.start();
    try {
      assert.deepEqual(await (await fetch(`${secondUrl}/hello/again`)).json(), { message: "Hello, again!" });
    } finally {
      await second.stop();
    }
  });
});
