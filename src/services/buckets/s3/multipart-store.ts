// Multipart uploads on the disk of the node that created them: one folder per upload under
// <dataDir>/multipart/<uploadId>/ holding upload.json (target key, content type, metadata),
// each part's bytes as a blob (a BlobStore rooted in the folder, given by the composition
// root: the file adapter's temp file, fsync, rename) and part-<n>.json naming the blob of
// part n. Every JSON file is written the same way (temp, fsync, rename, fsync the
// folder), so an acknowledged part survives kill -9, and aborting or completing an upload is
// removing its folder: nothing is left behind. Parts are read back as streams, one after the
// other, so assembling an object never holds it in memory.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { NimbusError } from "../../../core/errors.ts";
import type { BlobStore } from "../../../store/blob-ports.ts";
import { syncFolder, writeFileDurably } from "../../../store/durable-file.ts";

/** A blob store keeping its blobs in `folder` (the file adapter). */
export type PartBlobsIn = (folder: string) => BlobStore;

export const MAX_PART_NUMBER = 10_000;
/** S3's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface MultipartUpload {
  readonly uploadId: string;
  readonly app: string;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly initiatedMs: number;
}

export interface StoredPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly sizeBytes: number;
  readonly lastModifiedMs: number;
  readonly blobId: string;
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{32}$/;
const partFile = (partNumber: number) => `part-${String(partNumber).padStart(5, "0")}.json`;

function noSuchUpload(uploadId: string): NimbusError {
  return new NimbusError(
    "MULTIPART_UPLOAD_NOT_FOUND",
    `The multipart upload "${uploadId}" does not exist: it may have been aborted or completed`,
  );
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/** The S3 ETag of an object assembled from parts: MD5 of the parts' binary MD5s, "-<count>". */
export function multipartEtag(parts: readonly StoredPart[]): string {
  const md5 = createHash("md5");
  for (const part of parts) md5.update(Buffer.from(part.etag.replaceAll('"', ""), "hex"));
  return `"${md5.digest("hex")}-${parts.length}"`;
}

export class MultipartStore {
  readonly #root: string;
  readonly #blobsIn: PartBlobsIn;

  constructor(root: string, blobsIn: PartBlobsIn) {
    this.#root = root;
    this.#blobsIn = blobsIn;
  }

  async start(): Promise<void> {
    await mkdir(this.#root, { recursive: true });
  }

  async create(upload: Omit<MultipartUpload, "uploadId">): Promise<MultipartUpload> {
    const created = { ...upload, uploadId: randomBytes(24).toString("base64url") };
    const folder = this.#folder(created.uploadId);
    await mkdir(folder);
    try {
      await this.#blobsIn(folder).start();
      await writeFileDurably(join(folder, "upload.json"), JSON.stringify(created));
      await syncFolder(this.#root);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    return created;
  }

  /** The upload, which must be for this app, bucket and key; MULTIPART_UPLOAD_NOT_FOUND otherwise. */
  async get(
    uploadId: string,
    target: { app: string; bucket: string; key: string },
  ): Promise<MultipartUpload> {
    if (!UPLOAD_ID.test(uploadId)) throw noSuchUpload(uploadId);
    let upload: MultipartUpload;
    try {
      upload = JSON.parse(await readFile(join(this.#folder(uploadId), "upload.json"), "utf8"));
    } catch (error) {
      if (isMissing(error)) throw noSuchUpload(uploadId);
      throw error;
    }
    if (upload.app !== target.app || upload.bucket !== target.bucket || upload.key !== target.key)
      throw noSuchUpload(uploadId);
    return upload;
  }

  /** Stores one part durably (replacing an earlier part of that number). */
  async putPart(
    upload: MultipartUpload,
    partNumber: number,
    body: AsyncIterable<Uint8Array>,
    lengthBytes: number | undefined,
    nowMs: number,
  ): Promise<StoredPart> {
    const folder = this.#folder(upload.uploadId);
    const blobs = this.#blobsIn(folder);
    let blob: Awaited<ReturnType<BlobStore["write"]>>;
    try {
      blob = await blobs.write(body);
    } catch (error) {
      if (isMissing(error)) throw noSuchUpload(upload.uploadId); // aborted meanwhile
      throw error;
    }
    if (lengthBytes !== undefined && blob.sizeBytes !== lengthBytes) {
      await blobs.remove(blob.blobId);
      throw new NimbusError(
        "OBJECT_WRITE_ABORTED",
        `The part ended after ${blob.sizeBytes} of its ${lengthBytes} bytes`,
      );
    }
    const part: StoredPart = {
      partNumber,
      etag: `"${blob.md5Hex}"`,
      sizeBytes: blob.sizeBytes,
      lastModifiedMs: nowMs,
      blobId: blob.blobId,
    };
    const replaced = await this.#readPart(upload.uploadId, partNumber);
    try {
      await writeFileDurably(join(folder, partFile(partNumber)), JSON.stringify(part));
    } catch (error) {
      await blobs.remove(blob.blobId);
      if (isMissing(error)) throw noSuchUpload(upload.uploadId);
      throw error;
    }
    if (replaced !== undefined && replaced.blobId !== part.blobId) await blobs.remove(replaced.blobId);
    return part;
  }

  /** The stored parts, by part number. */
  async listParts(upload: MultipartUpload): Promise<StoredPart[]> {
    let names: string[];
    try {
      names = await readdir(this.#folder(upload.uploadId));
    } catch (error) {
      if (isMissing(error)) throw noSuchUpload(upload.uploadId);
      throw error;
    }
    const parts: StoredPart[] = [];
    for (const name of names.filter((each) => /^part-\d{5}\.json$/.test(each)).sort()) {
      const part = await this.#readPart(upload.uploadId, Number(name.slice(5, 10)));
      if (part !== undefined) parts.push(part);
    }
    return parts;
  }

  /** The parts' bytes one after the other, each read as a stream. */
  async *readParts(upload: MultipartUpload, parts: readonly StoredPart[]): AsyncGenerator<Uint8Array> {
    const blobs = this.#blobsIn(this.#folder(upload.uploadId));
    for (const part of parts) {
      let stream: Awaited<ReturnType<BlobStore["openForRead"]>>;
      try {
        stream = await blobs.openForRead(part.blobId);
      } catch (error) {
        if (isMissing(error)) throw noSuchUpload(upload.uploadId);
        throw error;
      }
      for await (const chunk of stream) yield chunk as Buffer;
    }
  }

  /** Removes the upload and all its parts (abort, or after completion). */
  async remove(uploadId: string): Promise<void> {
    await rm(this.#folder(uploadId), { recursive: true, force: true, maxRetries: 3 });
  }

  async #readPart(uploadId: string, partNumber: number): Promise<StoredPart | undefined> {
    try {
      return JSON.parse(await readFile(join(this.#folder(uploadId), partFile(partNumber)), "utf8"));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  #folder(uploadId: string): string {
    return join(this.#root, uploadId);
  }
}
