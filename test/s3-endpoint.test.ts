// The S3-compatible endpoint through the official AWS SDK (@aws-sdk/client-s3 and
// @aws-sdk/s3-request-presigner) against the real server: every supported operation, a
// multipart upload larger than 16 MB, presigned GET and PUT, and the error answers (bad and
// expired signatures, unknown keys, refused rights, path traversal, ranges out of bounds).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, before, describe, it } from "node:test";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, waitFor } from "./helpers.ts";
import { type CreatedAccessKey, createAccessKey } from "./identity-helpers.ts";
import { failureOf, rejection, s3Client } from "./s3-helpers.ts";

const APP = "album";
const ALL_BUCKETS = [{ actions: ["buckets:*"], resources: [`nrn:${APP}:bucket/*`] }];
const MiB = 1024 * 1024;

const root = mkdtempSync(join(tmpdir(), "nimbus-s3-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("the S3 endpoint with the AWS SDK", () => {
  let nimbus: TestPlatform;
  let key: CreatedAccessKey;
  let s3: S3Client;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "buckets") });
    key = await createAccessKey(nimbus, "s3 sdk", ALL_BUCKETS);
    s3 = s3Client(nimbus, APP, key);
  });
  after(async () => {
    s3?.destroy();
    await nimbus?.stop();
  });

  const text = async (Key: string, extra: Record<string, unknown> = {}) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key, ...extra }));
    return { got, body: await (got.Body as { transformToString(): Promise<string> }).transformToString() };
  };

  it("lists, heads and 'creates' the app's declared buckets; refuses to delete them", async () => {
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets?.map((bucket) => bucket.Name).sort(), ["photos", "public-assets"]);
    assert.equal((await s3.send(new HeadBucketCommand({ Bucket: "photos" }))).$metadata.httpStatusCode, 200);
    assert.equal(await failureOf(s3.send(new HeadBucketCommand({ Bucket: "nope" }))), "NotFound 404");
    // The manifest owns buckets: creating a declared one is a no-op, any other is refused.
    assert.equal(
      (await s3.send(new CreateBucketCommand({ Bucket: "photos" }))).$metadata.httpStatusCode,
      200,
    );
    assert.equal(
      await failureOf(s3.send(new CreateBucketCommand({ Bucket: "fresh" }))),
      "MethodNotAllowed 405",
    );
    assert.equal(await failureOf(s3.send(new DeleteBucketCommand({ Bucket: "nope" }))), "NoSuchBucket 404");
    assert.equal(
      await failureOf(s3.send(new DeleteBucketCommand({ Bucket: "public-assets" }))),
      "MethodNotAllowed 405",
    );
    await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "keep.txt", Body: "x" }));
    assert.equal(
      await failureOf(s3.send(new DeleteBucketCommand({ Bucket: "photos" }))),
      "BucketNotEmpty 409",
    );
  });

  it("puts (buffers and streams), gets and heads objects with their type and metadata", async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: "photos",
        Key: "docs/hello world.txt",
        Body: "hello, s3",
        ContentType: "text/plain",
        Metadata: { owner: "ada" },
      }),
    );
    assert.equal(put.ETag, `"${createHash("md5").update("hello, s3").digest("hex")}"`);
    const { got, body } = await text("docs/hello world.txt");
    assert.equal(body, "hello, s3");
    assert.equal(got.ContentType, "text/plain");
    assert.deepEqual(got.Metadata, { owner: "ada" });
    assert.equal(got.ContentLength, 9);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "docs/hello world.txt" }));
    assert.equal(head.ETag, put.ETag);
    assert.equal(head.ContentLength, 9);
    // A stream of unknown hash: the SDK sends it aws-chunked with a checksum trailer.
    const streamed = Buffer.alloc(300_000, "abc");
    await s3.send(
      new PutObjectCommand({
        Bucket: "photos",
        Key: "docs/streamed.bin",
        Body: Readable.from([streamed.subarray(0, 100_000), streamed.subarray(100_000)]),
        ContentLength: streamed.length,
      }),
    );
    const back = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "docs/streamed.bin" }));
    const bytes = Buffer.from(
      await (back.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    assert.ok(bytes.equals(streamed));
    assert.equal(await failureOf(text("docs/missing.txt")), "NoSuchKey 404");
    assert.equal(
      await failureOf(s3.send(new HeadObjectCommand({ Bucket: "photos", Key: "docs/missing.txt" }))),
      "NotFound 404",
    );
    assert.equal(await failureOf(text("x", { Bucket: "nope" })), "NoSuchBucket 404");
  });

  it("answers ranges (206) and refuses ranges outside the object (416 InvalidRange)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "range.txt", Body: "0123456789" }));
    const part = await text("range.txt", { Range: "bytes=2-5" });
    assert.equal(part.body, "2345");
    assert.equal(part.got.ContentRange, "bytes 2-5/10");
    assert.equal((await text("range.txt", { Range: "bytes=-3" })).body, "789");
    assert.equal((await text("range.txt", { Range: "bytes=7-100" })).body, "789");
    assert.equal(await failureOf(text("range.txt", { Range: "bytes=10-20" })), "InvalidRange 416");
  });

  it("honours conditional headers: 304 for If-None-Match / If-Modified-Since, 412 for If-Match", async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "cond.txt", Body: "v1" }));
    const notModified = await rejection(text("cond.txt", { IfNoneMatch: ETag }));
    assert.equal(notModified.$metadata.httpStatusCode, 304);
    const future = new Date(Date.now() + 60_000);
    assert.equal(
      (await rejection(text("cond.txt", { IfModifiedSince: future }))).$metadata.httpStatusCode,
      304,
    );
    assert.equal(await failureOf(text("cond.txt", { IfMatch: '"other"' })), "PreconditionFailed 412");
    assert.equal((await text("cond.txt", { IfMatch: ETag })).body, "v1");
  });

  it("copies objects (keeping or replacing metadata) and deletes one or many", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: "photos", Key: "c/src.txt", Body: "copy me", Metadata: { a: "1" } }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: "photos", Key: "c/dst.txt", CopySource: "photos/c/src.txt" }),
    );
    assert.match(copied.CopyObjectResult?.ETag ?? "", /^"[0-9a-f]{32}"$/);
    assert.deepEqual((await text("c/dst.txt")).got.Metadata, { a: "1" });
    await s3.send(
      new CopyObjectCommand({
        Bucket: "public-assets",
        Key: "replaced.txt",
        CopySource: "/photos/c/src.txt",
        MetadataDirective: "REPLACE",
        ContentType: "text/plain",
        Metadata: { b: "2" },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: "public-assets", Key: "replaced.txt" }));
    assert.deepEqual([replaced.ContentType, replaced.Metadata], ["text/plain", { b: "2" }]);
    assert.equal(
      await failureOf(
        s3.send(new CopyObjectCommand({ Bucket: "photos", Key: "c/x", CopySource: "photos/c/none" })),
      ),
      "NoSuchKey 404",
    );

    await s3.send(new DeleteObjectCommand({ Bucket: "photos", Key: "c/dst.txt" }));
    assert.equal(await failureOf(text("c/dst.txt")), "NoSuchKey 404");
    // Deleting a missing key succeeds, as in S3.
    await s3.send(new DeleteObjectCommand({ Bucket: "photos", Key: "c/dst.txt" }));
    for (const name of ["d/1", "d/2", "d/3"])
      await s3.send(new PutObjectCommand({ Bucket: "photos", Key: name, Body: name }));
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: "photos",
        Delete: { Objects: [{ Key: "d/1" }, { Key: "d/2" }, { Key: "d/none" }] },
      }),
    );
    assert.deepEqual(
      deleted.Deleted?.map((each) => each.Key),
      ["d/1", "d/2", "d/none"],
    );
    const quiet = await s3.send(
      new DeleteObjectsCommand({ Bucket: "photos", Delete: { Objects: [{ Key: "d/3" }], Quiet: true } }),
    );
    assert.equal(quiet.Deleted, undefined);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: "photos", Prefix: "d/" }));
    assert.equal(left.KeyCount, 0);
  });

  it("lists with prefix, delimiter, max-keys, continuation tokens and start-after", async () => {
    const keys = ["l/a/1", "l/a/2", "l/b", "l/c/1", "l/d", "l/e"];
    for (const name of keys) await s3.send(new PutObjectCommand({ Bucket: "photos", Key: name, Body: "." }));
    const folders = await s3.send(
      new ListObjectsV2Command({ Bucket: "photos", Prefix: "l/", Delimiter: "/" }),
    );
    assert.deepEqual(
      folders.Contents?.map((each) => each.Key),
      ["l/b", "l/d", "l/e"],
    );
    assert.deepEqual(
      folders.CommonPrefixes?.map((each) => each.Prefix),
      ["l/a/", "l/c/"],
    );
    assert.equal(folders.KeyCount, 5);
    assert.equal(folders.Contents?.[0]?.Size, 1);
    const pages: string[][] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: "photos", Prefix: "l/", MaxKeys: 4, ContinuationToken }),
      );
      pages.push((page.Contents ?? []).map((each) => each.Key as string));
      assert.equal(page.IsTruncated, page.NextContinuationToken !== undefined);
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken !== undefined);
    assert.deepEqual(pages, [keys.slice(0, 4), keys.slice(4)]);
    const later = await s3.send(
      new ListObjectsV2Command({ Bucket: "photos", Prefix: "l/", StartAfter: "l/c/1" }),
    );
    assert.deepEqual(
      later.Contents?.map((each) => each.Key),
      ["l/d", "l/e"],
    );
    assert.equal(
      await failureOf(
        s3.send(new ListObjectsV2Command({ Bucket: "photos", ContinuationToken: "not a token!" })),
      ),
      "InvalidArgument 400",
    );
  });

  it("uploads a file larger than 16 MB in parts, streamed from disk, and fires object.created", async () => {
    const file = join(root, "big.bin");
    const partBytes = 5 * MiB;
    const sizeBytes = 17 * MiB + 12_345;
    await pipeline(
      Readable.from(
        (function* () {
          for (let offset = 0; offset < sizeBytes; offset += MiB) {
            const chunk = Buffer.alloc(Math.min(MiB, sizeBytes - offset));
            for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32BE((offset + i) >>> 0, i);
            yield chunk;
          }
        })(),
      ),
      createWriteStream(file),
    );
    const Key = "uploads/big.jpg";
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: "photos",
        Key,
        ContentType: "image/jpeg",
        Metadata: { big: "yes" },
      }),
    );
    const UploadId = created.UploadId as string;
    const parts: Array<{ PartNumber: number; ETag: string }> = [];
    for (let PartNumber = 1, start = 0; start < sizeBytes; PartNumber++, start += partBytes) {
      const end = Math.min(start + partBytes, sizeBytes) - 1;
      const uploaded = await s3.send(
        new UploadPartCommand({
          Bucket: "photos",
          Key,
          UploadId,
          PartNumber,
          Body: createReadStream(file, { start, end }),
          ContentLength: end - start + 1,
        }),
      );
      parts.push({ PartNumber, ETag: uploaded.ETag as string });
    }
    assert.equal(parts.length, 4);
    const listed = await s3.send(new ListPartsCommand({ Bucket: "photos", Key, UploadId }));
    assert.deepEqual(
      listed.Parts?.map((part) => [part.PartNumber, part.ETag, part.Size]),
      [
        [1, parts[0]?.ETag, partBytes],
        [2, parts[1]?.ETag, partBytes],
        [3, parts[2]?.ETag, partBytes],
        [4, parts[3]?.ETag, sizeBytes - 3 * partBytes],
      ],
    );
    // Wrong ETags, a wrong order: refused, and the upload stays open.
    const complete = (Parts: typeof parts) =>
      s3.send(
        new CompleteMultipartUploadCommand({ Bucket: "photos", Key, UploadId, MultipartUpload: { Parts } }),
      );
    assert.equal(await failureOf(complete([{ PartNumber: 1, ETag: '"0123"' }])), "InvalidPart 400");
    assert.equal(await failureOf(complete([parts[1], parts[0]] as typeof parts)), "InvalidPartOrder 400");
    const done = await complete(parts);
    assert.match(done.ETag ?? "", /^"[0-9a-f]{32}-4"$/);

    const head = await s3.send(new HeadObjectCommand({ Bucket: "photos", Key }));
    assert.deepEqual(
      [head.ContentLength, head.ETag, head.ContentType, head.Metadata],
      [sizeBytes, done.ETag, "image/jpeg", { big: "yes" }],
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key }));
    const served = createHash("sha256");
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) served.update(chunk);
    const original = createHash("sha256");
    for await (const chunk of createReadStream(file)) original.update(chunk);
    assert.equal(served.digest("hex"), original.digest("hex"));
    // The upload is gone once completed.
    assert.equal(
      await failureOf(s3.send(new ListPartsCommand({ Bucket: "photos", Key, UploadId }))),
      "NoSuchUpload 404",
    );
    assert.deepEqual(await readdir(join(nimbus.dataDir, "multipart")), []);
    // The bucket trigger saw it, through the one delivery path.
    await waitFor(
      async () =>
        (
          await s3.send(
            new ListObjectsV2Command({
              Bucket: "photos",
              Prefix: "seen/ObjectCreated:CompleteMultipartUpload/",
            }),
          )
        ).KeyCount === 1,
      "the object.created event of the completed upload",
      30_000,
    );
  });

  it("refuses small parts, and aborting an upload leaves nothing behind", async () => {
    const Key = "tmp/aborted.bin";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "photos", Key }));
    const one = await s3.send(
      new UploadPartCommand({ Bucket: "photos", Key, UploadId, PartNumber: 1, Body: "small" }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: "photos", Key, UploadId, PartNumber: 2, Body: "tail" }),
    );
    assert.equal(
      await failureOf(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: "photos",
            Key,
            UploadId,
            MultipartUpload: {
              Parts: [
                { PartNumber: 1, ETag: one.ETag },
                { PartNumber: 2, ETag: two.ETag },
              ],
            },
          }),
        ),
      ),
      "EntityTooSmall 400",
    );
    assert.equal((await readdir(join(nimbus.dataDir, "multipart"))).length, 1);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "photos", Key, UploadId }));
    assert.deepEqual(await readdir(join(nimbus.dataDir, "multipart")), []);
    assert.equal(
      await failureOf(s3.send(new ListPartsCommand({ Bucket: "photos", Key, UploadId }))),
      "NoSuchUpload 404",
    );
    assert.equal(
      await failureOf(
        s3.send(new UploadPartCommand({ Bucket: "photos", Key, UploadId, PartNumber: 3, Body: "x" })),
      ),
      "NoSuchUpload 404",
    );
    assert.equal(await failureOf(text(Key)), "NoSuchKey 404");
  });

  it("fires object.created for S3 puts and copies", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "uploads/put.jpg", Body: "jpg" }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: "photos",
        Key: "uploads/copied.jpg",
        CopySource: "photos/uploads/put.jpg",
      }),
    );
    const seen = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: "photos", Prefix: "seen/" }))).Contents ?? []).map(
        (each) => each.Key,
      );
    await waitFor(
      async () => {
        const keys = await seen();
        return (
          keys.includes("seen/ObjectCreated:Put/uploads/put.jpg") &&
          keys.includes("seen/ObjectCreated:Copy/uploads/copied.jpg")
        );
      },
      "the object.created events of an S3 put and copy",
      30_000,
    );
  });

  it("serves presigned GET and PUT URLs until they expire", async () => {
    const putUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: "photos", Key: "presigned/up.txt", ContentType: "text/plain" }),
      { expiresIn: 300 },
    );
    const put = await fetch(putUrl, {
      method: "PUT",
      body: "from a browser",
      headers: { "content-type": "text/plain" },
    });
    assert.equal(put.status, 200, await put.clone().text());
    const getUrl = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: "photos", Key: "presigned/up.txt" }),
      {
        expiresIn: 300,
      },
    );
    const got = await fetch(getUrl);
    assert.deepEqual(
      [got.status, await got.text(), got.headers.get("content-type")],
      [200, "from a browser", "text/plain"],
    );
    // Changing the key breaks the signature; a URL past its expiry is refused.
    const tampered = await fetch(getUrl.replace("up.txt", "other.txt"));
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const expiredUrl = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: "photos", Key: "presigned/up.txt" }),
      {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 120_000),
      },
    );
    const expired = await fetch(expiredUrl);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code><Message>Request has expired/);
  });

  it("refuses bad signatures, stale clocks, unknown and revoked keys, and keys without rights", async () => {
    const wrongSecret = s3Client(nimbus, APP, { accessKeyId: key.accessKeyId, secretAccessKey: "wrong" });
    assert.equal(await failureOf(wrongSecret.send(new ListBucketsCommand({}))), "SignatureDoesNotMatch 403");
    const unknown = s3Client(nimbus, APP, { accessKeyId: "NAKAAAAAAAAAAAAAAAAA", secretAccessKey: "x" });
    assert.equal(await failureOf(unknown.send(new ListBucketsCommand({}))), "InvalidAccessKeyId 403");
    const stale = s3Client(nimbus, APP, key, { systemClockOffset: -20 * 60 * 1000 });
    assert.equal(await failureOf(stale.send(new ListBucketsCommand({}))), "RequestTimeTooSkewed 403");

    const readOnly = await createAccessKey(nimbus, "reader", [
      { actions: ["buckets:GetObject"], resources: [`nrn:${APP}:bucket/photos/docs/*`] },
    ]);
    const reader = s3Client(nimbus, APP, readOnly);
    assert.equal(
      (await reader.send(new GetObjectCommand({ Bucket: "photos", Key: "docs/hello world.txt" })))
        .ContentLength,
      9,
    );
    assert.equal(
      await failureOf(reader.send(new PutObjectCommand({ Bucket: "photos", Key: "docs/x", Body: "no" }))),
      "AccessDenied 403",
    );
    assert.equal(
      await failureOf(reader.send(new GetObjectCommand({ Bucket: "photos", Key: "range.txt" }))),
      "AccessDenied 403",
    );
    assert.equal(await failureOf(reader.send(new ListBucketsCommand({}))), "AccessDenied 403");
    // A copy needs GetObject on its source too.
    const writer = s3Client(
      nimbus,
      APP,
      await createAccessKey(nimbus, "writer", [
        { actions: ["buckets:PutObject"], resources: [`nrn:${APP}:bucket/*`] },
      ]),
    );
    assert.equal(
      await failureOf(
        writer.send(new CopyObjectCommand({ Bucket: "photos", Key: "w", CopySource: "photos/range.txt" })),
      ),
      "AccessDenied 403",
    );
    // Another app's endpoint: the key's resources name this app only.
    assert.equal(
      await failureOf(s3Client(nimbus, "other", key).send(new ListBucketsCommand({}))),
      "AccessDenied 403",
    );
    // A revoked key stops working at once.
    const revoked = await createAccessKey(nimbus, "revoked", ALL_BUCKETS);
    const revokedClient = s3Client(nimbus, APP, revoked);
    await revokedClient.send(new ListBucketsCommand({}));
    await nimbus.admin(`/iam/access-keys/${revoked.accessKeyId}`, { method: "DELETE" });
    assert.equal(await failureOf(revokedClient.send(new ListBucketsCommand({}))), "InvalidAccessKeyId 403");
    for (const client of [wrongSecret, unknown, stale, reader, writer, revokedClient]) client.destroy();
  });

  it("refuses keys that would escape the bucket, and stores nothing for them", async () => {
    for (const Key of [
      "../escape.txt",
      "a/../../escape.txt",
      "a/./b.txt",
      "/leading.txt",
      "back\\slash.txt",
    ]) {
      assert.equal(
        await failureOf(s3.send(new PutObjectCommand({ Bucket: "photos", Key, Body: "x" }))),
        "InvalidArgument 400",
        Key,
      );
    }
    assert.equal(await failureOf(text("../escape.txt")), "InvalidArgument 400");
    const all = await s3.send(new ListObjectsV2Command({ Bucket: "photos", Prefix: "" }));
    assert.ok(
      !(all.Contents ?? []).some((each) => each.Key?.includes("escape") || each.Key?.includes("leading")),
    );
  });
});
