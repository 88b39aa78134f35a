// Bundles shared through an S3-compatible bucket: two platforms on one PostgreSQL, each with
// its own data directory and no shared folder; a deploy on one is served by the other,
// which downloads the bundle through the AWS SDK. The bucket is a tiny in-test
// S3-compatible server (src/control/tiny-s3-server.ts); no real S3 runs here.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startTinyS3 } from "../src/control/tiny-s3-server.ts";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { REPO, waitFor } from "./helpers.ts";

const RELAY = join(REPO, "test", "fixtures", "relay");
const scratch = mkdtempSync(join(tmpdir(), "nimbus-cluster-bundles-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("bundles in an S3-compatible bucket", () => {
  it("lets a node serve what another node deployed, with nothing shared but the database and the bucket", async () => {
    const s3 = await startTinyS3();
    const database = await createTestDatabase();
    // The standard AWS environment, read by the SDK as a deployment would set it.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      NIMBUS_MASTER_KEY: "6e696d6275732d636c75737465722d746573742d6d61737465722d6b65792121",
    });
    const options = { storeUrl: database.url, bundleStore: "s3://nimbus-bundles/cluster" };
    const first = await startTestPlatform({
      options: { ...options, dataDir: mkdtempSync(join(scratch, "a-")) },
    });
    try {
      const second = await startTestPlatform({
        options: { ...options, dataDir: mkdtempSync(join(scratch, "b-")), adminKey: first.adminKey },
      });
      try {
        await first.deploy(RELAY);
        assert.ok(
          s3
            .keys("nimbus-bundles")
            .some((key) => key.startsWith("cluster/relay/") && key.endsWith("/relay.mjs")),
          "the bundle is in the bucket, under the prefix",
        );
        const answer = await waitFor(async () => {
          const response = await fetch(`${second.url}/relay/release`);
          return response.status === 200 && ((await response.json()) as { release: string });
        }, "the second node to serve the deploy");
        assert.equal(answer.release, "one");
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      await database.drop();
      await s3.close();
    }
  });
});

describe("bundle and blob store options", () => {
  const refusals: [flag: string, code: string][] = [
    ["--bundle-store", "BUNDLE_STORE_URL_INVALID"],
    ["--blob-store", "BLOB_STORE_URL_INVALID"],
  ];
  for (const [flag, code] of refusals) {
    it(`nimbus up refuses ${flag} that is not s3://, before opening anything`, async () => {
      const dataDir = mkdtempSync(join(scratch, "refused-"));
      const result = await runCli(["up", "--port", "0", "--data-dir", dataDir, flag, "ftp://bucket/x"]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`\\[${code}\\]`));
      assert.match(result.stderr, /hint: /);
      assert.deepEqual(readdirSync(dataDir), [], "no store was created");
    });
  }
});
