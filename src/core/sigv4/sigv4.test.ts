import assert from "node:assert/strict";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { describe, it } from "node:test";
import { SignatureV4 } from "@smithy/signature-v4";
import { type SignableRequest, sha256Hex, type VerifyOptions, verifyRequest } from "./index.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The hash constructor the SDK's signer takes (an HMAC when given a key). */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const secretOf = async (id: string) => (id === "AKIDEXAMPLE" ? SECRET : undefined);

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    service: "service",
    payloadHash: sha256Hex(""),
    nowMs: Date.UTC(2015, 7, 30, 12, 36, 0),
    canonical: { doubleEncodePath: true },
    ...overrides,
  };
}

/** AWS's own test suite, "get-vanilla": a known request and its known signature. */
const vanilla: SignableRequest = {
  method: "GET",
  path: "/",
  query: "",
  headers: [
    ["Host", "example.amazonaws.com"],
    ["X-Amz-Date", "20150830T123600Z"],
    [
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ],
  ],
};

/** Signs with the AWS SDK's own signer and returns the request as a server would see it. */
async function signedBySdk(input: {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  service?: string;
  presign?: number;
}): Promise<SignableRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
    region: "local",
    service: input.service ?? "lambda",
    sha256: Sha256,
    uriEscapePath: input.service !== "s3",
  });
  const request = {
    method: input.method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 8787,
    path: input.path,
    query: input.query ?? {},
    headers: { host: "127.0.0.1:8787", ...input.headers },
    body: input.body,
  };
  const signed =
    input.presign === undefined
      ? await signer.sign(request)
      : await signer.presign(request, { expiresIn: input.presign });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map(
        (each) => `${encodeURIComponent(name)}=${encodeURIComponent(each as string)}`,
      ),
    )
    .join("&");
  return {
    method: signed.method,
    path: signed.path,
    query,
    headers: Object.entries(signed.headers as Record<string, string>),
  };
}

describe("SigV4 verification", () => {
  it("accepts AWS's get-vanilla test vector", async () => {
    const result = await verifyRequest(vanilla, secretOf, options());
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it("accepts what the AWS SDK signs: encoded paths, repeated and odd query parameters, bodies", async () => {
    const body = JSON.stringify({ hello: "wörld" });
    const request = await signedBySdk({
      method: "POST",
      path: `/_nimbus/lambda/shop/2015-03-31/functions/${encodeURIComponent("arn:aws:lambda:local:0:function:api:live")}/invocations`,
      query: { Qualifier: "live", tag: ["b", "a"], "odd key": "a+b c/d~*" },
      headers: { "x-amz-invocation-type": "RequestResponse", "content-type": "application/json" },
      body,
    });
    const now = Date.now();
    const result = await verifyRequest(
      request,
      secretOf,
      options({ service: "lambda", payloadHash: sha256Hex(body), nowMs: now }),
    );
    assert.equal(result.ok, true, JSON.stringify(result));
    // S3 signs the path once, not twice.
    const s3 = await signedBySdk({
      method: "GET",
      path: "/bucket/a%20b/c.txt",
      service: "s3",
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    });
    const s3Result = await verifyRequest(
      s3,
      secretOf,
      options({
        service: "s3",
        payloadHash: "UNSIGNED-PAYLOAD",
        nowMs: now,
        canonical: { doubleEncodePath: false },
      }),
    );
    assert.equal(s3Result.ok, true, JSON.stringify(s3Result));
  });

  it("accepts a presigned URL until it expires", async () => {
    const request = await signedBySdk({ method: "GET", path: "/bucket/key.txt", service: "s3", presign: 60 });
    // The generic presigner hashes the empty body (S3's own presigner says UNSIGNED-PAYLOAD).
    const s3 = (nowMs: number) =>
      options({ service: "s3", payloadHash: sha256Hex(""), nowMs, canonical: { doubleEncodePath: false } });
    assert.equal((await verifyRequest(request, secretOf, s3(Date.now()))).ok, true);
    const later = await verifyRequest(request, secretOf, s3(Date.now() + 61_000));
    assert.equal(later.ok ? "ok" : later.failure, "expired");
  });

  it("refuses a changed body, path, query or header, an unknown key, a stale date, another service", async () => {
    const body = '{"a":1}';
    const now = Date.now();
    const base = { method: "POST", path: "/x/y", query: { q: "1" }, headers: { "x-amz-target": "t" }, body };
    const request = await signedBySdk(base);
    const lambda = options({ service: "lambda", payloadHash: sha256Hex(body), nowMs: now });
    const failure = async (changed: SignableRequest, opts = lambda) => {
      const result = await verifyRequest(changed, secretOf, opts);
      return result.ok ? "ok" : result.failure;
    };
    assert.equal(await failure(request), "ok");
    assert.equal(await failure(request, { ...lambda, payloadHash: sha256Hex('{"a":2}') }), "mismatch");
    assert.equal(await failure({ ...request, path: "/x/z" }), "mismatch");
    assert.equal(await failure({ ...request, query: "q=2" }), "mismatch");
    const headers = request.headers.map(
      ([name, value]) => [name, name === "x-amz-target" ? "u" : value] as const,
    );
    assert.equal(await failure({ ...request, headers }), "mismatch");
    const otherKey = request.headers.map(
      ([name, value]) =>
        [name, name === "authorization" ? value.replace("AKIDEXAMPLE", "AKIDOTHER") : value] as const,
    );
    assert.equal(await failure({ ...request, headers: otherKey }), "unknown-key");
    assert.equal(await failure(request, { ...lambda, nowMs: now + 16 * 60 * 1000 }), "skewed");
    assert.equal(await failure(request, { ...lambda, service: "s3" }), "scope-mismatch");
    assert.equal(await failure({ ...request, headers: [] }), "missing");
    assert.equal(
      await failure({ ...request, headers: [["authorization", "AWS4-HMAC-SHA256 nonsense"]] }),
      "malformed",
    );
  });
});
