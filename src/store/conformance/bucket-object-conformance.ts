import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BucketObjectRecord } from "../bucket-object-ports.ts";
import type { WithStore } from "./support.ts";

function object(key: string, overrides: Partial<BucketObjectRecord> = {}): BucketObjectRecord {
  return {
    app: "shop",
    bucket: "photos",
    key,
    blobId: `blob-${key}`,
    sizeBytes: 5_000_000_000,
    etag: '"abc"',
    contentType: "image/png",
    metadata: { owner: "ann" },
    lastModifiedMs: 1_700_000_000_000,
    ...overrides,
  };
}

export function describeBucketObjectConformance(withStore: WithStore): void {
  describe("bucket objects", () => {
    it("stores an object's metadata and answers the blob a replacement displaced", () =>
      withStore(async ({ bucketObjects }) => {
        assert.deepEqual(await bucketObjects.putObject(object("a.png")), { replacedBlobId: undefined });
        assert.deepEqual(await bucketObjects.getObject("shop", "photos", "a.png"), object("a.png"));
        const replaced = await bucketObjects.putObject(object("a.png", { blobId: "second", etag: '"def"' }));
        assert.deepEqual(replaced, { replacedBlobId: "blob-a.png" });
        assert.equal((await bucketObjects.getObject("shop", "photos", "a.png"))?.blobId, "second");
        assert.equal(await bucketObjects.hasBlob("blob-a.png"), false);
        assert.equal(await bucketObjects.hasBlob("second"), true);
        assert.equal(await bucketObjects.getObject("shop", "other", "a.png"), undefined, "per bucket");
      }));

    it("deletes and answers the deleted row once", () =>
      withStore(async ({ bucketObjects }) => {
        await bucketObjects.putObject(object("x"));
        assert.equal((await bucketObjects.deleteObject("shop", "photos", "x"))?.blobId, "blob-x");
        assert.equal(await bucketObjects.deleteObject("shop", "photos", "x"), undefined);
        assert.equal(await bucketObjects.getObject("shop", "photos", "x"), undefined);
      }));

    it("lists in byte order with a prefix, a start and a limit", () =>
      withStore(async ({ bucketObjects }) => {
        // "B" < "a" < "é" in byte order, whatever the database's locale says.
        for (const key of ["a/2", "a/1", "B", "é", "a%", "b/1"]) await bucketObjects.putObject(object(key));
        const keys = async (options: { prefix?: string; startAfter?: string; limit: number }) =>
          (await bucketObjects.listObjects("shop", "photos", options)).map((each) => each.key);
        assert.deepEqual(await keys({ limit: 10 }), ["B", "a%", "a/1", "a/2", "b/1", "é"]);
        assert.deepEqual(await keys({ prefix: "a", limit: 10 }), ["a%", "a/1", "a/2"]);
        assert.deepEqual(await keys({ prefix: "a", startAfter: "a%", limit: 1 }), ["a/1"]);
        assert.deepEqual(await keys({ prefix: "a%", limit: 10 }), ["a%"], "% is not a wildcard");
      }));
  });
}
