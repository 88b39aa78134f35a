// The object handlers shared by the guarded routes (bucket-routes.ts) and the public ones
// (public-object-routes.ts): streaming an object out with ranges and conditions, and
// streaming a request body into one.
import type { FastifyReply, FastifyRequest } from "fastify";
import { NimbusError } from "../../core/errors.ts";
import type { BucketService } from "./bucket-service.ts";
import { evaluateConditions, parseByteRange } from "./http-conditions.ts";
import { conditionsFromHeaders, metadataFromHeaders, objectHeaders, objectView } from "./object-headers.ts";

export interface ObjectTarget {
  readonly app: string;
  readonly bucket: string;
  readonly key: string;
}

function contentLengthOf(request: FastifyRequest): number | undefined {
  const header = request.headers["content-length"];
  return header === undefined ? undefined : Number(header);
}

export async function sendObject(
  request: FastifyRequest,
  reply: FastifyReply,
  buckets: BucketService,
  { app, bucket, key }: ObjectTarget,
): Promise<FastifyReply> {
  const record = await buckets.headObject(app, bucket, key);
  if (evaluateConditions(conditionsFromHeaders(request.headers), record) === "not-modified") {
    return reply.code(304).headers({ etag: record.etag }).send();
  }
  let range: ReturnType<typeof parseByteRange>;
  try {
    range = parseByteRange(request.headers.range, record.sizeBytes);
  } catch (error) {
    reply.header("content-range", `bytes */${record.sizeBytes}`);
    throw error;
  }
  if (request.method === "HEAD") {
    return reply.headers(objectHeaders(record)).header("content-length", record.sizeBytes).send();
  }
  const opened = await buckets.openObject(record, range);
  reply.headers(objectHeaders(opened.record));
  if (range) {
    reply
      .code(206)
      .header("content-range", `bytes ${range.start}-${range.endInclusive}/${opened.record.sizeBytes}`)
      .header("content-length", range.endInclusive - range.start + 1);
  } else {
    reply.header("content-length", opened.record.sizeBytes);
  }
  return reply.send(opened.stream);
}

export async function storeObject(
  request: FastifyRequest,
  reply: FastifyReply,
  buckets: BucketService,
  { app, bucket, key }: ObjectTarget,
): Promise<FastifyReply> {
  let stored: Awaited<ReturnType<BucketService["putObject"]>>;
  try {
    stored = await buckets.putObject(app, bucket, key, request.raw, {
      contentType: request.headers["content-type"],
      metadata: metadataFromHeaders(request.headers),
      contentLengthBytes: contentLengthOf(request),
    });
  } catch (error) {
    // A client that went away mid-upload: the stream errors ("aborted"); nothing was stored.
    if (error instanceof NimbusError || !request.raw.destroyed) throw error;
    throw new NimbusError("OBJECT_WRITE_ABORTED", "The upload's connection closed before its body ended");
  }
  return reply.code(200).header("etag", stored.etag).send(objectView(stored));
}
