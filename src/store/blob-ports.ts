// Where bucket object bytes live: a port, so every node of a cluster can read what any node
// wrote. Metadata rows (the BucketObjectStore port) name blobs by id; a blob is written whole
// before its row commits and removed only after no committed row names it.
// Adapters: file-blob-store.ts (a directory: `<dataDir>/blobs`, or a shared volume) and
// s3/s3-blob-store.ts (an S3-compatible bucket); open-blob-store.ts picks one.
import type { Readable } from "node:stream";

export interface WrittenBlob {
  readonly blobId: string;
  readonly sizeBytes: number;
  readonly md5Hex: string;
}

export interface BlobRange {
  readonly start: number;
  readonly endInclusive: number;
}

export interface BlobStore {
  /** Prepares the store and removes what writes a crash interrupted. */
  start(): Promise<void>;
  /**
   * Streams `source` to a new blob, never holding it whole in memory. Resolves once the blob
   * is durable; on any failure (including the source erroring) no blob exists.
   */
  write(source: AsyncIterable<Uint8Array>): Promise<WrittenBlob>;
  /**
   * Bytes [start, endInclusive] of the blob (all without a range). The read is under way when
   * this resolves, so removing the blob afterwards does not cut the reader off.
   */
  openForRead(blobId: string, range?: BlobRange): Promise<Readable>;
  remove(blobId: string): Promise<void>;
  /** Said in errors and logs: where blobs are kept. */
  readonly description: string;
}
