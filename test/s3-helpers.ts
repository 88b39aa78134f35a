// Helpers for the S3 endpoint tests: SDK clients for an app's endpoint, raw SigV4-signed
// requests (for what the SDK never sends: streaming signatures, wrong digests), and reading
// an SDK rejection.
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import type { TestPlatform } from "../src/testing/index.ts";

export interface KeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function s3Client(
  nimbus: TestPlatform,
  app: string,
  key: KeyPair,
  extra: Record<string, unknown> = {},
) {
  return new S3Client({
    endpoint: `${nimbus.url}/_nimbus/s3/${app}`,
    region: "local",
    forcePathStyle: true,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    maxAttempts: 1,
    ...extra,
  });
}

export interface SdkFailure {
  readonly name: string;
  readonly message: string;
  readonly $metadata: { httpStatusCode?: number };
}

export async function rejection(promise: Promise<unknown>): Promise<SdkFailure> {
  try {
    await promise;
  } catch (error) {
    return error as SdkFailure;
  }
  throw new Error("expected the SDK to throw");
}

/** "<name> <status>", to assert both at once. */
export async function failureOf(promise: Promise<unknown>): Promise<string> {
  const failure = await rejection(promise);
  return `${failure.name} ${failure.$metadata.httpStatusCode}`;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

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

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Sends exactly this request (path not normalised) and reads the whole answer. */
export function sendRaw(
  nimbus: TestPlatform,
  input: { method: string; path: string; headers: Record<string, string>; body?: Buffer | string },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(nimbus.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      hostname,
      port,
      path: input.path,
      method: input.method,
      headers: input.headers,
    });
    request.on("response", async (response) => {
      let body = "";
      for await (const chunk of response) body += chunk;
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
    });
    request.on("error", reject);
    request.end(input.body);
  });
}

export interface SignedInput {
  readonly method: string;
  /** Under the app's endpoint: "/photos/a.txt". */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** The x-amz-content-sha256 to sign (default: the body's hash). */
  readonly payloadHash?: string;
  readonly body?: Buffer | string;
  readonly signingDate?: Date;
}

/** A request signed by the SDK's own SigV4 signer, then sent raw. */
export async function signedRequest(
  nimbus: TestPlatform,
  app: string,
  key: KeyPair,
  input: SignedInput,
): Promise<{ answer: RawAnswer; signature: string; amzDate: string }> {
  const { host } = new URL(nimbus.url);
  const body = input.body ?? "";
  const payloadHash = input.payloadHash ?? createHash("sha256").update(body).digest("hex");
  const signer = new SignatureV4({
    credentials: key,
    region: "local",
    service: "s3",
    sha256: Sha256,
    uriEscapePath: false,
  });
  const path = `/_nimbus/s3/${app}${input.path}`;
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: "http:",
      hostname: host.split(":")[0] as string,
      path,
      query: input.query ?? {},
      headers: { host, "x-amz-content-sha256": payloadHash, ...input.headers },
    },
    input.signingDate === undefined ? {} : { signingDate: input.signingDate },
  );
  const query = new URLSearchParams(input.query ?? {}).toString();
  const headers = signed.headers as Record<string, string>;
  const answer = await sendRaw(nimbus, {
    method: input.method,
    path: query === "" ? path : `${path}?${query}`,
    headers,
    body,
  });
  const signature = /Signature=([0-9a-f]+)/.exec(headers.authorization ?? "")?.[1] ?? "";
  return { answer, signature, amzDate: headers["x-amz-date"] ?? "" };
}

/** S3's <Code> of an error answer. */
export const s3Code = (answer: RawAnswer) => /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1];
