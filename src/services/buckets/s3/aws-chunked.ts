// Decoding S3's aws-chunked bodies, as they stream: `<hex size>[;chunk-signature=<sig>]\r\n
// <bytes>\r\n` … `0[;chunk-signature=<sig>]\r\n`, then trailer lines (`x-amz-checksum-crc32:…`,
// `x-amz-trailer-signature:…`) and an empty line. With signing, every chunk's signature is
// checked against the chain that starts at the request's own signature (SigV4 "streaming"
// uploads); bytes are yielded as they arrive and a bad chunk fails the whole body, so the
// upload is never committed.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { NimbusError } from "../../../core/errors.ts";
import { sha256Hex } from "../../../core/sigv4/index.ts";
import type { ChunkSigning } from "./s3-auth.ts";

const MAX_LINE_BYTES = 4096;
const EMPTY_SHA256 = sha256Hex("");

export interface AwsChunkedOptions {
  /** Verify chunk (and trailer) signatures with this; none for STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  readonly signing?: ChunkSigning | undefined;
  /** Receives the trailer headers (lower-case names) once the body ended. */
  readonly onTrailers?: (trailers: ReadonlyMap<string, string>) => void;
}

function malformed(why: string): NimbusError {
  return new NimbusError("BUCKET_REQUEST_INVALID", `The aws-chunked body is malformed: ${why}`, {
    details: { s3Code: "IncompleteBody" },
  });
}

function incomplete(): NimbusError {
  return new NimbusError("OBJECT_WRITE_ABORTED", "The aws-chunked body ended before its last chunk");
}

function signatureMismatch(what: string): NimbusError {
  return new NimbusError("PAYLOAD_DIGEST_MISMATCH", `The ${what} signature does not match`, {
    details: { s3Code: "SignatureDoesNotMatch" },
  });
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

function sign(signing: ChunkSigning, kind: "PAYLOAD" | "TRAILER", previous: string, hashes: string[]) {
  const stringToSign = [`AWS4-HMAC-SHA256-${kind}`, signing.amzDate, signing.scope, previous, ...hashes].join(
    "\n",
  );
  return createHmac("sha256", signing.key).update(stringToSign).digest("hex");
}

const asBuffer = (chunk: Uint8Array) =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

export async function* decodeAwsChunked(
  source: AsyncIterable<Uint8Array>,
  options: AwsChunkedOptions,
): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  const more = async (): Promise<boolean> => {
    const next = await iterator.next();
    if (next.done) return false;
    const chunk = asBuffer(next.value);
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    return true;
  };
  const readLine = async (): Promise<string> => {
    for (;;) {
      const end = pending.indexOf("\r\n");
      if (end !== -1) {
        const line = pending.subarray(0, end).toString("latin1");
        pending = pending.subarray(end + 2);
        return line;
      }
      if (pending.length > MAX_LINE_BYTES) throw malformed("a chunk header is too long");
      if (!(await more())) throw incomplete();
    }
  };

  const { signing } = options;
  let previous = signing?.seedSignature ?? "";
  for (;;) {
    const [sizeHex = "", ...extensions] = (await readLine()).split(";");
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeHex)) throw malformed(`"${sizeHex}" is not a chunk size`);
    const size = Number.parseInt(sizeHex, 16);
    const signature = extensions
      .map((extension) => extension.trim())
      .find((extension) => extension.startsWith("chunk-signature="))
      ?.slice("chunk-signature=".length);
    if (signing !== undefined && signature === undefined) throw malformed("a chunk has no chunk-signature");
    const hash = signing === undefined ? undefined : createHash("sha256");
    let remaining = size;
    while (remaining > 0) {
      if (pending.length === 0 && !(await more())) throw incomplete();
      const piece = pending.subarray(0, Math.min(remaining, pending.length));
      pending = pending.subarray(piece.length);
      remaining -= piece.length;
      hash?.update(piece);
      yield piece;
    }
    if (size > 0 && (await readLine()) !== "") throw malformed("a chunk is longer than its size");
    if (signing !== undefined && hash !== undefined) {
      const expected = sign(signing, "PAYLOAD", previous, [EMPTY_SHA256, hash.digest("hex")]);
      if (!sameHex(signature as string, expected)) throw signatureMismatch("chunk");
      previous = expected;
    }
    if (size === 0) break;
  }

  const trailers = new Map<string, string>();
  let canonicalTrailers = "";
  for (let line = await readLine(); line !== ""; line = await readLine()) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed(`"${line}" is not a trailer`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name !== "x-amz-trailer-signature") canonicalTrailers += `${name}:${value}\n`;
    trailers.set(name, value);
  }
  if (signing !== undefined && canonicalTrailers !== "") {
    const presented = trailers.get("x-amz-trailer-signature");
    const expected = sign(signing, "TRAILER", previous, [sha256Hex(canonicalTrailers)]);
    if (presented === undefined || !sameHex(presented, expected)) throw signatureMismatch("trailer");
  }
  options.onTrailers?.(trailers);
}
