// Bucket objects shared between nodes: two platforms on one PostgreSQL database, each with its
// own data directory, keeping object bytes either in one S3-compatible bucket (through the AWS
// SDK; a tiny in-test server, no real S3 runs here) or in one shared directory. An object put
// through one node is read (whole and by range) and deleted through the other.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startTinyS3 } from "../src/control/tiny-s3-server.ts";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES } from "./helpers.ts";

// Every node of a cluster shares the master key that encrypts stored secrets.
process.env.NIMBUS_MASTER_KEY ??= "6e696d6275732d636c75737465722d746573742d6d61737465722d6b65792121";
const scratch = mkdtempSync(join(tmpdir(), "nimbus-cluster-blobs-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const OBJECT = "/apps/album/buckets/photos/objects/shared/note.txt";

async function withTwoNodes(
  options: Record<string, string>,
  use: (first: TestPlatform, second: TestPlatform) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  // Code is shared by a bundle directory; bytes by the blob store under test.
  const bundleDir = mkdtempSync(join(scratch, "bundles-"));
  try {
    const first = await startTestPlatform({
      appDir: join(FIXTURES, "buckets"),
      options: { ...options, bundleDir, storeUrl: database.url, dataDir: mkdtempSync(join(scratch, "a-")) },
    });
    try {
      const second = await startTestPlatform({
        options: {
          ...options,
          bundleDir,
          storeUrl: database.url,
          dataDir: mkdtempSync(join(scratch, "b-")),
          adminKey: first.adminKey,
        },
      });
      try {
        await use(first, second);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  } finally {
    await database.drop();
  }
}

async function putOnOneReadOnTheOther(first: TestPlatform, second: TestPlatform): Promise<void> {
  const put = await first.admin(OBJECT, { method: "PUT", body: "written on the first node" });
  assert.equal(put.status, 200, await put.clone().text());
  const whole = await second.admin(OBJECT);
  assert.equal(whole.status, 200);
  assert.equal(await whole.text(), "written on the first node");
  const part = await second.admin(OBJECT, { headers: { range: "bytes=15-19" } });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), "first");
  assert.equal((await second.admin(OBJECT, { method: "DELETE" })).status, 204);
  assert.equal((await first.admin(OBJECT)).status, 404);
}

describe("bucket objects shared between nodes", () => {
  it("through an S3-compatible bucket", async () => {
    const s3 = await startTinyS3();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    try {
      await withTwoNodes({ blobStore: "s3://nimbus-blobs/objects" }, async (first, second) => {
        const put = await first.admin(OBJECT, { method: "PUT", body: "x" });
        assert.equal(put.status, 200);
        assert.equal(s3.keys("nimbus-blobs").filter((key) => key.startsWith("objects/")).length, 1);
        await putOnOneReadOnTheOther(first, second);
        assert.deepEqual(s3.keys("nimbus-blobs"), [], "a deleted object's bytes are gone from the bucket");
      });
    } finally {
      await s3.close();
      for (const name of ["AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        delete process.env[name];
    }
  });

  it("through a shared directory", async () => {
    const shared = mkdtempSync(join(scratch, "shared-"));
    await withTwoNodes({ blobDir: shared }, async (first, second) => {
      await putOnOneReadOnTheOther(first, second);
      assert.deepEqual(
        readdirSync(shared).filter((name) => name !== "tmp"),
        [],
        "a deleted object's bytes are gone from the volume",
      );
    });
  });
});
