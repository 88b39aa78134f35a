// Object bytes in an S3-compatible bucket, through the official AWS SDK, for clusters without a
// shared volume. A put is first spooled to a local temp file (its length and MD5 are needed
// before the upload, and memory stays flat for any size), then uploaded with one PutObject; it
// is acknowledged only after S3 answered, so it is as durable as the bucket.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { NimbusError } from "../../core/errors.ts";
import type { BlobRange, BlobStore, WrittenBlob } from "../blob-ports.ts";
import { defaultS3Client, describeS3Error } from "./s3-client.ts";
import type { S3Location } from "./s3-location.ts";

export interface S3BlobStoreOptions extends S3Location {
  /** A local folder for spooled uploads (emptied at start). */
  readonly spoolDir: string;
  /** For tests; otherwise built from the standard AWS environment. */
  readonly client?: S3Client;
}

interface Spooled {
  readonly path: string;
  readonly sizeBytes: number;
  readonly md5Hex: string;
}

export class S3BlobStore implements BlobStore {
  readonly #options: S3BlobStoreOptions;
  readonly #client: S3Client;
  readonly description: string;

  constructor(options: S3BlobStoreOptions) {
    this.#options = options;
    this.#client = options.client ?? defaultS3Client();
    this.description = `s3://${options.bucket}/${options.prefix}`;
  }

  async start(): Promise<void> {
    await rm(this.#options.spoolDir, { recursive: true, force: true });
    await mkdir(this.#options.spoolDir, { recursive: true });
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<WrittenBlob> {
    const blobId = randomUUID();
    const spooled = await this.#spool(blobId, source);
    const key = this.#key(blobId);
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#options.bucket,
          Key: key,
          Body: createReadStream(spooled.path),
          ContentLength: spooled.sizeBytes,
          ContentMD5: Buffer.from(spooled.md5Hex, "hex").toString("base64"),
        }),
      );
    } catch (error) {
      throw this.#unavailable("write", key, error);
    } finally {
      await rm(spooled.path, { force: true });
    }
    return { blobId, sizeBytes: spooled.sizeBytes, md5Hex: spooled.md5Hex };
  }

  async #spool(blobId: string, source: AsyncIterable<Uint8Array>): Promise<Spooled> {
    const path = join(this.#options.spoolDir, blobId);
    const md5 = createHash("md5");
    let sizeBytes = 0;
    try {
      const handle = await open(path, "wx");
      try {
        for await (const chunk of source) {
          md5.update(chunk);
          sizeBytes += chunk.byteLength;
          await handle.write(chunk);
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { path, sizeBytes, md5Hex: md5.digest("hex") };
  }

  async openForRead(blobId: string, range?: BlobRange): Promise<Readable> {
    const key = this.#key(blobId);
    try {
      const object = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#options.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.endInclusive}` } : {}),
        }),
      );
      // In Node the SDK's body is an http.IncomingMessage, already a Readable.
      return object.Body instanceof Readable ? object.Body : Readable.from([]);
    } catch (error) {
      throw this.#unavailable("read", key, error);
    }
  }

  async remove(blobId: string): Promise<void> {
    const key = this.#key(blobId);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#options.bucket, Key: key }));
    } catch (error) {
      throw this.#unavailable("remove", key, error);
    }
  }

  #key(blobId: string): string {
    return `${this.#options.prefix}${blobId}`;
  }

  #unavailable(action: string, key: string, error: unknown): NimbusError {
    return new NimbusError(
      "BLOB_STORE_UNAVAILABLE",
      `Could not ${action} s3://${this.#options.bucket}/${key} (${describeS3Error(error)})`,
      { cause: error },
    );
  }
}
