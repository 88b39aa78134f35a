// An S3 request's body as the bytes the client meant, held to everything sent with it: the
// x-amz-content-sha256 it signed, Content-MD5, an x-amz-checksum-* header or trailer (CRC32,
// SHA-1, SHA-256; other algorithms are accepted unchecked), and aws-chunked framing and
// signatures. The checks run as the bytes stream past and fail the stream at its end, before
// anything is committed, so a body that does not match leaves nothing behind.
import { createHash, type Hash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { crc32 } from "node:zlib";
import { NimbusError } from "../../../core/errors.ts";
import { decodeAwsChunked } from "./aws-chunked.ts";
import type { S3Caller } from "./s3-auth.ts";

export interface RequestBody {
  readonly stream: AsyncIterable<Uint8Array>;
  /** The length the client announced (decoded length for aws-chunked); undefined when unknown. */
  readonly lengthBytes: number | undefined;
}

interface Check {
  update(chunk: Uint8Array): void;
  /** Throws when the bytes seen do not match. */
  finish(): void;
}

function mismatch(s3Code: string, what: string): NimbusError {
  return new NimbusError("PAYLOAD_DIGEST_MISMATCH", `The body does not match its ${what}`, {
    details: { s3Code },
  });
}

function digestCheck(hash: Hash, expected: () => string | undefined, s3Code: string, what: string): Check {
  return {
    update: (chunk) => hash.update(chunk),
    finish: () => {
      const wanted = expected();
      if (wanted !== undefined && hash.digest(wanted.length === 64 ? "hex" : "base64") !== wanted)
        throw mismatch(s3Code, what);
    },
  };
}

function crc32Check(expected: () => string | undefined): Check {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32(chunk, value);
    },
    finish: () => {
      const wanted = expected();
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value >>> 0);
      if (wanted !== undefined && bytes.toString("base64") !== wanted)
        throw mismatch("BadDigest", "x-amz-checksum-crc32");
    },
  };
}

function checksumCheck(algorithm: string, expected: () => string | undefined): Check | undefined {
  const what = `x-amz-checksum-${algorithm}`;
  if (algorithm === "crc32") return crc32Check(expected);
  if (algorithm === "sha1") return digestCheck(createHash("sha1"), expected, "BadDigest", what);
  if (algorithm === "sha256") return digestCheck(createHash("sha256"), expected, "BadDigest", what);
  return undefined; // crc32c, crc64nvme: not checked
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function lengthOf(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const length = Number(value);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new NimbusError("BUCKET_REQUEST_INVALID", `${what} must be a number of bytes`, {
      details: { s3Code: "InvalidArgument" },
    });
  return length;
}

async function* checked(source: AsyncIterable<Uint8Array>, checks: readonly Check[]) {
  for await (const chunk of source) {
    for (const check of checks) check.update(chunk);
    yield chunk;
  }
  for (const check of checks) check.finish();
}

export function requestBody(req: IncomingMessage, caller: S3Caller): RequestBody {
  const checks: Check[] = [];
  const { payload } = caller;
  if (payload.kind === "sha256") {
    checks.push(
      digestCheck(
        createHash("sha256"),
        () => payload.hex,
        "XAmzContentSHA256Mismatch",
        "x-amz-content-sha256",
      ),
    );
  }
  const md5 = header(req, "content-md5");
  if (md5 !== undefined) checks.push(digestCheck(createHash("md5"), () => md5, "BadDigest", "Content-MD5"));

  const chunked = payload.kind === "chunked-signed" || payload.kind === "chunked-unsigned";
  let trailers: ReadonlyMap<string, string> = new Map();
  const trailerName = header(req, "x-amz-trailer")?.trim().toLowerCase();
  const checksumHeader = Object.keys(req.headers).find((name) => /^x-amz-checksum-[a-z0-9]+$/.test(name));
  if (checksumHeader !== undefined && checksumHeader !== "x-amz-checksum-type") {
    const check = checksumCheck(checksumHeader.slice("x-amz-checksum-".length), () =>
      header(req, checksumHeader),
    );
    if (check) checks.push(check);
  } else if (chunked && trailerName?.startsWith("x-amz-checksum-")) {
    const check = checksumCheck(trailerName.slice("x-amz-checksum-".length), () => trailers.get(trailerName));
    if (check) checks.push(check);
  }

  if (!chunked) {
    return {
      stream: checks.length === 0 ? req : checked(req, checks),
      lengthBytes: lengthOf(header(req, "content-length"), "Content-Length"),
    };
  }
  const decodedLength = lengthOf(header(req, "x-amz-decoded-content-length"), "x-amz-decoded-content-length");
  if (decodedLength === undefined) {
    throw new NimbusError(
      "BUCKET_REQUEST_INVALID",
      "An aws-chunked upload needs x-amz-decoded-content-length",
      { details: { s3Code: "MissingContentLength" } },
    );
  }
  const decoded = decodeAwsChunked(req, {
    signing: payload.kind === "chunked-signed" ? caller.signing : undefined,
    onTrailers: (received) => {
      trailers = received;
    },
  });
  return { stream: checked(decoded, checks), lengthBytes: decodedLength };
}

/** A small body (an XML request) read whole, at most `limitBytes`, with the same checks. */
export async function readSmallBody(
  req: IncomingMessage,
  caller: S3Caller,
  limitBytes: number,
): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of requestBody(req, caller).stream) {
    total += chunk.byteLength;
    if (total > limitBytes) {
      throw new NimbusError("BUCKET_REQUEST_INVALID", `The request body is larger than ${limitBytes} bytes`, {
        details: { s3Code: "MaxMessageLengthExceeded" },
      });
    }
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts).toString("utf8");
}
