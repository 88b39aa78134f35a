import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { NimbusError } from "../core/errors.ts";
import { openStore } from "./index.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-open-store-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("openStore", () => {
  for (const [label, url] of [
    ["no url", undefined],
    ["an empty url", ""],
    ["a blank url", "  "],
  ] as const) {
    it(`opens SQLite in the data directory for ${label}`, async () => {
      const dataDir = join(root, label.replaceAll(" ", "-"));
      const store = await openStore({ dataDir, url });
      try {
        await store.settings.setSetting("k", "v");
        assert.equal(await store.settings.getSetting("k"), "v");
      } finally {
        await store.close();
      }
      assert.ok(existsSync(join(dataDir, "nimbus.db")));
    });
  }

  it("refuses any other URL with STORE_URL_INVALID, without echoing credentials", async () => {
    for (const url of [
      "mysql://admin:s3cret@db/nimbus",
      "sqlite:///var/nimbus.db",
      "not a url",
      "postgres://u:s3cret@[bad",
    ]) {
      await assert.rejects(openStore({ dataDir: join(root, "refused"), url }), (error: unknown) => {
        assert.ok(error instanceof NimbusError);
        assert.equal(error.code, "STORE_URL_INVALID");
        assert.equal(error.status, 400);
        assert.equal(error.expose, true);
        assert.doesNotMatch(error.message, /s3cret/);
        return true;
      });
    }
    assert.equal(existsSync(join(root, "refused")), false, "a refused URL creates nothing");
  });
});
