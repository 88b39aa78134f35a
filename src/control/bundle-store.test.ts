// The bundle store port: the file implementation, the S3 one (through the real AWS SDK
// against a tiny in-test S3-compatible server), and choosing one from configuration.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import { defaultS3Client } from "../store/s3/s3-client.ts";
import { parseS3Url } from "../store/s3/s3-location.ts";
import type { FunctionBundle } from "./app-package.ts";
import type { BundleStore } from "./bundle-store.ts";
import { FileBundleStore } from "./file-bundle-store.ts";
import { openBundleStore } from "./open-bundle-store.ts";
import { S3BundleStore } from "./s3-bundle-store.ts";
import { startTinyS3, type TinyS3 } from "./tiny-s3-server.ts";

const HASH = "ab".repeat(32);
const bundle = (code: string, sourceMap?: string): FunctionBundle => ({
  code: Buffer.from(code),
  sourceMap: sourceMap === undefined ? undefined : Buffer.from(sourceMap),
});

/** What every implementation must do, whatever keeps the bytes. */
function bundleStoreContract(name: string, open: () => Promise<BundleStore>): void {
  describe(`${name}: the bundle store contract`, () => {
    it("stores a bundle with its map and hands out a local file to import", async () => {
      const store = await open();
      assert.equal(await store.has("shop", "api", HASH), false);
      await store.write("shop", "api", HASH, bundle("export default 1;", '{"version":3}'));
      assert.equal(await store.has("shop", "api", HASH), true);
      const path = await store.localPath("shop", "api", HASH);
      assert.equal(readFileSync(path, "utf8"), "export default 1;");
      assert.equal(readFileSync(`${path}.map`, "utf8"), '{"version":3}');
    });

    it("keeps the first copy of a hash (content-addressed) and separates functions", async () => {
      const store = await open();
      await store.write("shop", "web", HASH, bundle("first"));
      await store.write("shop", "web", HASH, bundle("second"));
      assert.equal(readFileSync(await store.localPath("shop", "web", HASH), "utf8"), "first");
      assert.equal(await store.has("shop", "other", HASH), false);
      assert.equal(await store.has("blog", "web", HASH), false);
    });

    it("refuses a local path for a bundle it does not hold, with BUNDLE_STORE_UNAVAILABLE", async () => {
      const store = await open();
      await assert.rejects(store.localPath("shop", "missing", HASH), { code: "BUNDLE_STORE_UNAVAILABLE" });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), "nimbus-bundles-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${++dirs}`);

bundleStoreContract("FileBundleStore", async () => new FileBundleStore(freshDir()));

describe("S3BundleStore", () => {
  let s3: TinyS3;
  let client: S3Client;
  let buckets = 0;
  before(async () => {
    s3 = await startTinyS3();
    // The standard AWS environment, as a deployment would set it.
    process.env.AWS_ENDPOINT_URL_S3 = s3.url;
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
    client = defaultS3Client();
  });
  after(async () => {
    client?.destroy();
    await s3?.close();
  });

  bundleStoreContract(
    "S3BundleStore",
    async () =>
      new S3BundleStore({ bucket: `b${++buckets}`, prefix: "nimbus/", cacheDir: freshDir(), client }),
  );

  it("writes under the prefix, and a second node (own cache) downloads what the first wrote", async () => {
    const bucket = `b${++buckets}`;
    const first = new S3BundleStore({ bucket, prefix: "p/q/", cacheDir: freshDir(), client });
    await first.write("shop", "api", HASH, bundle("shared code", "map"));
    assert.deepEqual(s3.keys(bucket).sort(), [
      `p/q/shop/${HASH.slice(0, 32)}/api.mjs`,
      `p/q/shop/${HASH.slice(0, 32)}/api.mjs.map`,
    ]);
    const secondCache = freshDir();
    const second = new S3BundleStore({ bucket, prefix: "p/q/", cacheDir: secondCache, client });
    const path = await second.localPath("shop", "api", HASH);
    assert.ok(path.startsWith(secondCache));
    assert.equal(readFileSync(path, "utf8"), "shared code");
  });

  it("says BUNDLE_STORE_UNAVAILABLE when the endpoint does not answer", async () => {
    const dead = new S3Client({
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    const store = new S3BundleStore({ bucket: "nowhere", prefix: "", cacheDir: freshDir(), client: dead });
    await assert.rejects(store.write("shop", "api", HASH, bundle("x")), { code: "BUNDLE_STORE_UNAVAILABLE" });
    dead.destroy();
  });
});

describe("openBundleStore", () => {
  it("defaults to <dataDir>/bundles, and takes a bundle directory instead", async () => {
    const dataDir = freshDir();
    const byDefault = await openBundleStore({ dataDir });
    await byDefault.write("a", "f", HASH, bundle("x"));
    assert.ok(existsSync(join(dataDir, "bundles", "a")));
    const shared = freshDir();
    const onVolume = await openBundleStore({ dataDir, bundleDir: shared });
    await onVolume.write("a", "f", HASH, bundle("x"));
    assert.ok(existsSync(join(shared, "a")));
  });

  it("reads s3:// URLs, with or without a prefix", () => {
    assert.deepEqual(parseS3Url("s3://my-bucket", "BUNDLE_STORE_URL_INVALID"), {
      bucket: "my-bucket",
      prefix: "",
    });
    assert.deepEqual(parseS3Url("s3://my-bucket/", "BUNDLE_STORE_URL_INVALID"), {
      bucket: "my-bucket",
      prefix: "",
    });
    assert.deepEqual(parseS3Url("s3://my-bucket/a/b/", "BUNDLE_STORE_URL_INVALID"), {
      bucket: "my-bucket",
      prefix: "a/b/",
    });
  });

  it("refuses other URLs, bad bucket names, and a directory and a bucket together", async () => {
    for (const wrong of ["https://bucket/x", "s3://", "s3://UPPER", "s3://a", "bucket/prefix"]) {
      assert.throws(
        () => parseS3Url(wrong, "BUNDLE_STORE_URL_INVALID"),
        { code: "BUNDLE_STORE_URL_INVALID" },
        wrong,
      );
    }
    await assert.rejects(
      openBundleStore({ dataDir: freshDir(), bundleDir: "/x", bundleStore: "s3://bucket" }),
      {
        code: "BUNDLE_STORE_URL_INVALID",
      },
    );
  });
});
