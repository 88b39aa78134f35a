// The metadata of bucket objects (src/services/buckets/). The bytes live in blob files the
// service writes itself; a row names its blob, so replacing or deleting an object is one row
// change, and the caller removes the blob the row no longer names once the change committed.

/** One object's metadata. `blobId` names the file holding its bytes. */
export interface BucketObjectRecord {
  readonly app: string;
  readonly bucket: string;
  readonly key: string;
  readonly blobId: string;
  readonly sizeBytes: number;
  /** Quoted hex MD5 of the bytes, as S3 writes it for single-part uploads. */
  readonly etag: string;
  readonly contentType: string;
  /** User metadata (x-amz-meta-* / x-nimbus-meta-*), lower-case names. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly lastModifiedMs: number;
}

export interface ListBucketObjectsOptions {
  /** Only keys starting with this. */
  readonly prefix?: string | undefined;
  /** Only keys after this one (in binary order). */
  readonly startAfter?: string | undefined;
  readonly limit: number;
}

export interface BucketObjectStore {
  /** Inserts or replaces the row; answers the blob the replaced row named, to remove after. */
  putObject(record: BucketObjectRecord): Promise<{ replacedBlobId: string | undefined }>;
  getObject(app: string, bucket: string, key: string): Promise<BucketObjectRecord | undefined>;
  /** Removes the row; answers it (its blob is the caller's to remove), undefined when absent. */
  deleteObject(app: string, bucket: string, key: string): Promise<BucketObjectRecord | undefined>;
  /** Keys in binary (byte) order, so pages and S3's listing order agree. */
  listObjects(app: string, bucket: string, options: ListBucketObjectsOptions): Promise<BucketObjectRecord[]>;
  /** Every blob id some row names: what a start-up sweep must keep. */
  hasBlob(blobId: string): Promise<boolean>;
}
