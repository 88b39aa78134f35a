// The S3 endpoint's request checks with raw signed requests (what the SDK does not send on its
// own): STREAMING-AWS4-HMAC-SHA256-PAYLOAD chunk signatures, bodies that do not match their
// declared hash, anonymous requests, and the enumeration of every S3 operation, each of which
// must be refused to a key without rights.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signingKey } from "../src/core/sigv4/index.ts";
import { S3_OPERATIONS, type S3OperationName } from "../src/services/buckets/s3/index.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES } from "./helpers.ts";
import { type CreatedAccessKey, createAccessKey } from "./identity-helpers.ts";
import { type SignedInput, s3Code, sendRaw, signedRequest } from "./s3-helpers.ts";

const APP = "album";
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** An aws-chunked body signed chunk by chunk, chained from the request's seed signature. */
function signedChunks(
  chunks: readonly Buffer[],
  seed: { signature: string; amzDate: string; secret: string },
  tamper?: number,
): Buffer {
  const date = seed.amzDate.slice(0, 8);
  const scope = `${date}/local/s3/aws4_request`;
  const key = signingKey(seed.secret, { date, region: "local", service: "s3" });
  let previous = seed.signature;
  const framed: Buffer[] = [];
  for (const [index, chunk] of [...chunks, Buffer.alloc(0)].entries()) {
    const stringToSign = [
      "AWS4-HMAC-SHA256-PAYLOAD",
      seed.amzDate,
      scope,
      previous,
      sha256(""),
      sha256(chunk),
    ].join("\n");
    previous = createHmac("sha256", key).update(stringToSign).digest("hex");
    const sent = index === tamper ? Buffer.from(chunk.toString().toUpperCase()) : chunk;
    framed.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`),
      sent,
      Buffer.from("\r\n"),
    );
  }
  return Buffer.concat(framed);
}

describe("S3 request signing and the guard on every operation", () => {
  let nimbus: TestPlatform;
  let key: CreatedAccessKey;
  let noRights: CreatedAccessKey;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "buckets") });
    key = await createAccessKey(nimbus, "raw", [
      { actions: ["buckets:*"], resources: [`nrn:${APP}:bucket/*`] },
    ]);
    noRights = await createAccessKey(nimbus, "no rights", []);
  });
  after(() => nimbus?.stop());

  const get = async (objectKey: string) =>
    (await signedRequest(nimbus, APP, key, { method: "GET", path: `/photos/${objectKey}` })).answer;

  /**
   * Streaming signatures need the seed signature inside the body, so the request is signed
   * first (headers only) and the body framed with it.
   */
  async function streamingPut(objectKey: string, chunks: Buffer[], tamper?: number) {
    const decoded = chunks.reduce((total, chunk) => total + chunk.length, 0);
    const headers = {
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(decoded),
    };
    const input: SignedInput = {
      method: "PUT",
      path: `/photos/${objectKey}`,
      headers,
      payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    };
    // The body is not part of the header signature: a first request with the same date and an
    // empty (so incomplete, refused) body gives the seed signature the chunks chain from.
    const signingDate = new Date();
    const dry = await signedRequest(nimbus, APP, key, { ...input, signingDate, body: "" });
    assert.deepEqual([dry.answer.status, s3Code(dry.answer)], [400, "IncompleteBody"]);
    const body = signedChunks(
      chunks,
      { signature: dry.signature, amzDate: dry.amzDate, secret: key.secretAccessKey },
      tamper,
    );
    return (await signedRequest(nimbus, APP, key, { ...input, signingDate, body })).answer;
  }

  it("accepts STREAMING-AWS4-HMAC-SHA256-PAYLOAD uploads and refuses a tampered chunk", async () => {
    const chunks = [Buffer.from("first chunk, "), Buffer.from("second chunk")];
    const stored = await streamingPut("chunked/ok.txt", chunks);
    assert.equal(stored.status, 200, stored.body);
    assert.equal((await get("chunked/ok.txt")).body, "first chunk, second chunk");
    const tampered = await streamingPut("chunked/bad.txt", chunks, 1);
    assert.deepEqual([tampered.status, s3Code(tampered)], [400, "SignatureDoesNotMatch"]);
    assert.equal(s3Code(await get("chunked/bad.txt")), "NoSuchKey");
  });

  it("refuses a body that does not match its signed hash or Content-MD5, storing nothing", async () => {
    const wrongHash = await signedRequest(nimbus, APP, key, {
      method: "PUT",
      path: "/photos/digest/a.txt",
      payloadHash: sha256("something else"),
      body: "the body",
    });
    assert.deepEqual([wrongHash.answer.status, s3Code(wrongHash.answer)], [400, "XAmzContentSHA256Mismatch"]);
    const wrongMd5 = await signedRequest(nimbus, APP, key, {
      method: "PUT",
      path: "/photos/digest/b.txt",
      headers: { "content-md5": createHash("md5").update("other").digest("base64") },
      body: "the body",
    });
    assert.deepEqual([wrongMd5.answer.status, s3Code(wrongMd5.answer)], [400, "BadDigest"]);
    const unsigned = await signedRequest(nimbus, APP, key, {
      method: "PUT",
      path: "/photos/digest/c.txt",
      payloadHash: "UNSIGNED-PAYLOAD",
      body: "unsigned body",
    });
    assert.equal(unsigned.answer.status, 200);
    assert.equal(s3Code(await get("digest/a.txt")), "NoSuchKey");
    assert.equal(s3Code(await get("digest/b.txt")), "NoSuchKey");
    assert.equal((await get("digest/c.txt")).body, "unsigned body");
  });

  it("answers unsupported sub-resources NotImplemented, and anonymous requests AccessDenied", async () => {
    const acl = await signedRequest(nimbus, APP, key, { method: "GET", path: "/photos", query: { acl: "" } });
    assert.deepEqual([acl.answer.status, s3Code(acl.answer)], [501, "NotImplemented"]);
    const anonymous = await sendRaw(nimbus, {
      method: "GET",
      path: `/_nimbus/s3/${APP}/photos/x`,
      headers: {},
    });
    assert.deepEqual([anonymous.status, s3Code(anonymous)], [403, "AccessDenied"]);
    assert.match(anonymous.body, /<RequestId>[^<]+<\/RequestId>/);
  });

  it("refuses every operation to a key without rights (the enumeration test)", async () => {
    const deleteBody = "<Delete><Object><Key>a.txt</Key></Object></Delete>";
    const requests: Record<S3OperationName, SignedInput> = {
      ListBuckets: { method: "GET", path: "/" },
      CreateBucket: { method: "PUT", path: "/photos" },
      HeadBucket: { method: "HEAD", path: "/photos" },
      DeleteBucket: { method: "DELETE", path: "/photos" },
      ListObjectsV2: { method: "GET", path: "/photos", query: { "list-type": "2" } },
      DeleteObjects: { method: "POST", path: "/photos", query: { delete: "" }, body: deleteBody },
      PutObject: { method: "PUT", path: "/photos/a.txt", body: "x" },
      CopyObject: { method: "PUT", path: "/photos/a.txt", headers: { "x-amz-copy-source": "photos/b.txt" } },
      GetObject: { method: "GET", path: "/photos/a.txt" },
      HeadObject: { method: "HEAD", path: "/photos/a.txt" },
      DeleteObject: { method: "DELETE", path: "/photos/a.txt" },
      CreateMultipartUpload: { method: "POST", path: "/photos/a.txt", query: { uploads: "" } },
      UploadPart: {
        method: "PUT",
        path: "/photos/a.txt",
        query: { partNumber: "1", uploadId: "u" },
        body: "x",
      },
      UploadPartCopy: {
        method: "PUT",
        path: "/photos/a.txt",
        query: { partNumber: "1", uploadId: "u" },
        headers: { "x-amz-copy-source": "photos/b.txt" },
      },
      CompleteMultipartUpload: {
        method: "POST",
        path: "/photos/a.txt",
        query: { uploadId: "u" },
        body: "<x/>",
      },
      AbortMultipartUpload: { method: "DELETE", path: "/photos/a.txt", query: { uploadId: "u" } },
      ListParts: { method: "GET", path: "/photos/a.txt", query: { uploadId: "u" } },
    };
    assert.deepEqual(Object.keys(requests).sort(), Object.keys(S3_OPERATIONS).sort());
    const allowed: string[] = [];
    for (const [name, input] of Object.entries(requests)) {
      const { answer } = await signedRequest(nimbus, APP, noRights, input);
      const code = input.method === "HEAD" ? "(no body)" : s3Code(answer);
      if (answer.status !== 403 || (input.method !== "HEAD" && code !== "AccessDenied"))
        allowed.push(`${name}: ${answer.status} ${code}`);
      const anonymous = await sendRaw(nimbus, {
        method: input.method,
        path: `/_nimbus/s3/${APP}${input.path}${input.query ? `?${new URLSearchParams(input.query)}` : ""}`,
        headers: {},
        ...(input.body === undefined ? {} : { body: input.body }),
      });
      if (anonymous.status !== 403) allowed.push(`${name} anonymous: ${anonymous.status}`);
    }
    assert.deepEqual(allowed, []);
  });
});
