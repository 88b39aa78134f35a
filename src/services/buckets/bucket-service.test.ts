// The bucket service on a real SQLite store and real blob files: replaced and deleted blobs
// are removed from disk, expiry rules delete by prefix and age, and the pure parsers.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { normalizeBuckets } from "../../core/manifest/buckets.ts";
import { FileBlobStore } from "../../store/file-blob-store.ts";
import type { Store } from "../../store/ports.ts";
import { openSqliteStore } from "../../store/sqlite/index.ts";
import { sweepExpiredObjects } from "./bucket-expiry.ts";
import { BucketService } from "./bucket-service.ts";
import { evaluateConditions, parseByteRange } from "./http-conditions.ts";
import { validateObjectKey } from "./object-key.ts";

const DAY_MS = 86_400_000;

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe("BucketService", () => {
  let dir: string;
  let store: Store;
  let nowMs = 1_000 * DAY_MS;
  let service: BucketService;
  const buckets = normalizeBuckets({ logs: { expiry: [{ prefix: "tmp/", after: "1d" }] } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-buckets-"));
    store = openSqliteStore(dir);
    const blobs = new FileBlobStore({ root: join(dir, "blobs") });
    await blobs.start();
    service = new BucketService({
      store: store.bucketObjects,
      blobs,
      bucketsOf: (app) => (app === "shop" ? buckets : undefined),
      now: () => nowMs,
    });
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const blobCount = async () => (await readdir(join(dir, "blobs"))).filter((name) => name !== "tmp").length;

  it("keeps one blob per object: a replaced or deleted object's bytes leave the disk", async () => {
    await service.putObject("shop", "logs", "a.txt", bytes("one"));
    await service.putObject("shop", "logs", "a.txt", bytes("two"));
    assert.equal(await blobCount(), 1);
    await service.deleteObject("shop", "logs", "a.txt");
    assert.equal(await blobCount(), 0);
  });

  it("deletes objects past their rule's age, only under the rule's prefix", async () => {
    await service.putObject("shop", "logs", "tmp/old.txt", bytes("old"));
    await service.putObject("shop", "logs", "keep/old.txt", bytes("old"));
    nowMs += DAY_MS / 2;
    await service.putObject("shop", "logs", "tmp/new.txt", bytes("new"));
    nowMs += DAY_MS / 2;
    const deleted = await sweepExpiredObjects(
      { service, bucketsWithExpiry: () => [{ app: "shop", buckets: ["logs"] }] },
      nowMs,
    );
    assert.equal(deleted, 1);
    const keys = (await service.listObjects("shop", "logs", {})).objects.map((each) => each.key);
    assert.deepEqual(keys, ["keep/old.txt", "tmp/new.txt"]);
  });

  it("refuses an upload shorter than its declared length and stores nothing", async () => {
    await assert.rejects(
      service.putObject("shop", "logs", "short.txt", bytes("abc"), { contentLengthBytes: 10 }),
      { code: "OBJECT_WRITE_ABORTED" },
    );
    await assert.rejects(service.headObject("shop", "logs", "short.txt"), { code: "OBJECT_NOT_FOUND" });
  });
});

describe("object keys, ranges and conditions", () => {
  it("accepts ordinary keys and refuses traversal, control characters and oversize keys", () => {
    for (const key of ["a", "photos/2024/cat.jpg", "a..b", ".hidden", "é/ü"])
      assert.equal(validateObjectKey(key), key);
    for (const key of ["", "/abs", "a/../b", "..", "a/.", "a\u0000b", "a\\b", "x".repeat(1025)])
      assert.throws(() => validateObjectKey(key), { code: "OBJECT_KEY_INVALID" }, JSON.stringify(key));
  });

  it("parses single byte ranges as S3 does", () => {
    assert.deepEqual(parseByteRange("bytes=0-0", 5), { start: 0, endInclusive: 0 });
    assert.deepEqual(parseByteRange("bytes=-10", 5), { start: 0, endInclusive: 4 });
    assert.equal(parseByteRange(undefined, 5), undefined);
    for (const header of ["bytes=5-", "bytes=3-1", "items=0-1", "bytes=-0", "bytes=0-1,3-4"])
      assert.throws(() => parseByteRange(header, 5), { code: "OBJECT_RANGE_NOT_SATISFIABLE" }, header);
  });

  it("evaluates conditions in RFC 9110's order", () => {
    const object = { etag: '"e"', lastModifiedMs: Date.parse("2025-01-01T00:00:00Z") };
    assert.equal(evaluateConditions({ ifNoneMatch: '"x", "e"' }, object), "not-modified");
    assert.equal(evaluateConditions({ ifNoneMatch: "*" }, object), "not-modified");
    // If-None-Match wins over If-Modified-Since.
    assert.equal(
      evaluateConditions({ ifNoneMatch: '"x"', ifModifiedSince: "Wed, 01 Jan 2030 00:00:00 GMT" }, object),
      "proceed",
    );
    assert.equal(evaluateConditions({ ifModifiedSince: "not a date" }, object), "proceed");
    assert.throws(() => evaluateConditions({ ifMatch: '"x"' }, object), {
      code: "OBJECT_PRECONDITION_FAILED",
    });
  });
});
