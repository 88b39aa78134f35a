// The bucket service: objects in the buckets an app's deployed manifest declares. Bytes go
// the BlobStore port, metadata rows to the BucketObjectStore port. A put writes the blob first and
// the row second, so a row never names a missing blob; the blob a row stops naming is removed
// only after that change committed.
import { NimbusError } from "../../core/errors.ts";
import type { BucketConfig } from "../../core/manifest/buckets.ts";
import type { BlobStore } from "../../store/blob-ports.ts";
import type { BucketObjectRecord, BucketObjectStore } from "../../store/bucket-object-ports.ts";
import { PREFIX_END } from "../../store/bucket-object-rows.ts";
import type { ObjectChange } from "./bucket-events.ts";
import type { ByteRange } from "./http-conditions.ts";
import { validateObjectKey } from "./object-key.ts";

export const MAX_LIST_KEYS = 1000;

export interface PutObjectOptions {
  readonly contentType?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** When given, a body of another length is an aborted upload and nothing is stored. */
  readonly contentLengthBytes?: number | undefined;
  /** The ETag to keep instead of the body's MD5 (a completed multipart upload's "<md5>-<parts>"). */
  readonly etag?: string | undefined;
  /** How the event names the write (S3: ObjectCreated:Put, ObjectCreated:CompleteMultipartUpload). */
  readonly eventDetail?: "Put" | "CompleteMultipartUpload" | undefined;
}

export interface ListObjectsRequest {
  readonly prefix?: string | undefined;
  readonly delimiter?: string | undefined;
  /** Continue after this key (a continuation token or S3's start-after). */
  readonly startAfter?: string | undefined;
  readonly maxKeys?: number | undefined;
}

export interface ObjectListing {
  readonly objects: readonly BucketObjectRecord[];
  readonly commonPrefixes: readonly string[];
  /** Where the next page starts (pass as startAfter); set when truncated. Past a common prefix
   * it sorts after every key under it, so the next page does not repeat the prefix. */
  readonly nextStartAfter: string | undefined;
}

export interface BucketServiceOptions {
  readonly store: BucketObjectStore;
  readonly blobs: BlobStore;
  /** The buckets the app's active deployment declares; undefined when the app is not deployed. */
  readonly bucketsOf: (app: string) => Readonly<Record<string, BucketConfig>> | undefined;
  readonly now?: () => number;
  /** Called after each change committed (bucket events); a failure fails the request. */
  readonly onChange?: (change: ObjectChange) => Promise<void>;
}

export class BucketService {
  readonly #options: BucketServiceOptions;
  readonly #now: () => number;

  constructor(options: BucketServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  list(app: string): BucketConfig[] {
    return Object.values(this.#buckets(app));
  }

  config(app: string, bucket: string): BucketConfig {
    const config = this.#buckets(app)[bucket];
    if (!config) {
      throw new NimbusError("BUCKET_NOT_FOUND", `The app "${app}" declares no bucket "${bucket}"`, {
        details: { known: Object.keys(this.#buckets(app)) },
      });
    }
    return config;
  }

  async putObject(
    app: string,
    bucket: string,
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: PutObjectOptions = {},
  ): Promise<BucketObjectRecord> {
    this.config(app, bucket);
    validateObjectKey(key);
    const blob = await this.#options.blobs.write(body);
    if (options.contentLengthBytes !== undefined && blob.sizeBytes !== options.contentLengthBytes) {
      await this.#options.blobs.remove(blob.blobId);
      throw new NimbusError(
        "OBJECT_WRITE_ABORTED",
        `The upload ended after ${blob.sizeBytes} of its ${options.contentLengthBytes} bytes`,
      );
    }
    return this.#commit(options.eventDetail ?? "Put", {
      app,
      bucket,
      key,
      blobId: blob.blobId,
      sizeBytes: blob.sizeBytes,
      etag: options.etag ?? `"${blob.md5Hex}"`,
      contentType: options.contentType ?? "application/octet-stream",
      metadata: options.metadata ?? {},
      lastModifiedMs: this.#now(),
    });
  }

  /** The object's metadata, or OBJECT_NOT_FOUND. */
  async headObject(app: string, bucket: string, key: string): Promise<BucketObjectRecord> {
    this.config(app, bucket);
    validateObjectKey(key);
    const found = await this.#options.store.getObject(app, bucket, key);
    if (!found) throw new NimbusError("OBJECT_NOT_FOUND", `The bucket "${bucket}" has no object "${key}"`);
    return found;
  }

  /**
   * Opens the object's bytes. When a concurrent put replaced the blob between reading the row
   * and opening the file, the row is read again: the reader gets the newer object.
   */
  async openObject(
    record: BucketObjectRecord,
    range: ByteRange | undefined,
  ): Promise<{ record: BucketObjectRecord; stream: NodeJS.ReadableStream }> {
    let current = record;
    for (let attempt = 0; ; attempt++) {
      try {
        return { record: current, stream: await this.#options.blobs.openForRead(current.blobId, range) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw error;
        current = await this.headObject(record.app, record.bucket, record.key);
      }
    }
  }

  /** Deletes the object; answers whether one existed (deleting a missing key is not an error, as in S3). */
  async deleteObject(app: string, bucket: string, key: string): Promise<boolean> {
    this.config(app, bucket);
    validateObjectKey(key);
    const deleted = await this.#options.store.deleteObject(app, bucket, key);
    if (deleted) {
      await this.#options.blobs.remove(deleted.blobId);
      await this.#options.onChange?.({
        name: "object.deleted",
        detail: "Delete",
        object: deleted,
        atMs: this.#now(),
      });
    }
    return deleted !== undefined;
  }

  /** Copies the bytes to a new blob (so deleting either object never touches the other). */
  async copyObject(
    app: string,
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    replace?: { contentType?: string | undefined; metadata?: Readonly<Record<string, string>> | undefined },
  ): Promise<BucketObjectRecord> {
    this.config(app, target.bucket);
    validateObjectKey(target.key);
    const from = await this.headObject(app, source.bucket, source.key);
    const opened = await this.openObject(from, undefined);
    const blob = await this.#options.blobs.write(opened.stream as AsyncIterable<Uint8Array>);
    return this.#commit("Copy", {
      ...opened.record,
      bucket: target.bucket,
      key: target.key,
      blobId: blob.blobId,
      contentType: replace?.contentType ?? opened.record.contentType,
      metadata: replace?.metadata ?? opened.record.metadata,
      lastModifiedMs: this.#now(),
    });
  }

  async listObjects(app: string, bucket: string, request: ListObjectsRequest): Promise<ObjectListing> {
    this.config(app, bucket);
    const maxKeys = Math.min(request.maxKeys ?? MAX_LIST_KEYS, MAX_LIST_KEYS);
    const prefix = request.prefix ?? "";
    const objects: BucketObjectRecord[] = [];
    const commonPrefixes: string[] = [];
    let after = request.startAfter ?? "";
    // Keys under one common prefix are skipped with one jump past it, so a page costs a few
    // queries however many keys a folder holds.
    while (objects.length + commonPrefixes.length < maxKeys) {
      const rows = await this.#options.store.listObjects(app, bucket, {
        prefix,
        startAfter: after,
        limit: maxKeys - objects.length - commonPrefixes.length + 1,
      });
      if (rows.length === 0) return { objects, commonPrefixes, nextStartAfter: undefined };
      for (const row of rows) {
        if (objects.length + commonPrefixes.length === maxKeys)
          return { objects, commonPrefixes, nextStartAfter: after };
        const rest = row.key.slice(prefix.length);
        const cut = request.delimiter ? rest.indexOf(request.delimiter) : -1;
        if (cut >= 0) {
          const common = prefix + rest.slice(0, cut + (request.delimiter as string).length);
          commonPrefixes.push(common);
          after = common + PREFIX_END;
          break;
        }
        objects.push(row);
        after = row.key;
      }
    }
    const more = await this.#options.store.listObjects(app, bucket, { prefix, startAfter: after, limit: 1 });
    return { objects, commonPrefixes, nextStartAfter: more.length > 0 ? after : undefined };
  }

  /**
   * Deletes the bucket's objects that an expiry rule says are due at `nowMs` (last write
   * plus the rule's age); answers how many it deleted.
   */
  async expire(app: string, bucket: string, nowMs = this.#now()): Promise<number> {
    let deleted = 0;
    for (const rule of this.config(app, bucket).expiry) {
      let after = "";
      for (;;) {
        const page = await this.#options.store.listObjects(app, bucket, {
          prefix: rule.prefix,
          startAfter: after,
          limit: MAX_LIST_KEYS,
        });
        for (const object of page) {
          if (
            object.lastModifiedMs + rule.afterMs <= nowMs &&
            (await this.deleteObject(app, bucket, object.key))
          )
            deleted++;
        }
        if (page.length < MAX_LIST_KEYS) break;
        after = (page.at(-1) as BucketObjectRecord).key;
      }
    }
    return deleted;
  }

  async #commit(detail: ObjectChange["detail"], record: BucketObjectRecord): Promise<BucketObjectRecord> {
    let replaced: string | undefined;
    try {
      ({ replacedBlobId: replaced } = await this.#options.store.putObject(record));
    } catch (error) {
      await this.#options.blobs.remove(record.blobId);
      throw error;
    }
    if (replaced !== undefined && replaced !== record.blobId) await this.#options.blobs.remove(replaced);
    await this.#options.onChange?.({
      name: "object.created",
      detail,
      object: record,
      atMs: record.lastModifiedMs,
    });
    return record;
  }

  #buckets(app: string): Readonly<Record<string, BucketConfig>> {
    const buckets = this.#options.bucketsOf(app);
    if (buckets === undefined) throw new NimbusError("APP_NOT_FOUND", `No app "${app}" is deployed`);
    return buckets;
  }
}
