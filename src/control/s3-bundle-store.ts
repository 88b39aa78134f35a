// Bundles in an S3-compatible bucket, through the official AWS SDK, for clusters without a
// shared volume. The runtime imports a local file, so a bundle is downloaded once into
// `<dataDir>/bundle-cache` (content-addressed, so a cached copy never goes stale).
//
// Endpoint, region and credentials come from the SDK's standard sources (AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, IAM roles).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { NimbusError } from "../core/errors.ts";
import { writeFileDurably } from "../store/durable-file.ts";
import { defaultS3Client, describeS3Error, isNotFound } from "../store/s3/s3-client.ts";
import type { FunctionBundle } from "./app-package.ts";
import { type BundleStore, bundleKey } from "./bundle-store.ts";

export interface S3BundleStoreOptions {
  readonly bucket: string;
  /** Key prefix, "" or ending with "/". */
  readonly prefix: string;
  readonly cacheDir: string;
  /** For tests; otherwise built from the standard AWS environment. */
  readonly client?: S3Client;
}

export class S3BundleStore implements BundleStore {
  readonly #options: S3BundleStoreOptions;
  readonly #client: S3Client;
  readonly description: string;

  constructor(options: S3BundleStoreOptions) {
    this.#options = options;
    this.#client = options.client ?? defaultS3Client();
    this.description = `s3://${options.bucket}/${options.prefix}`;
  }

  #key(app: string, functionName: string, hash: string): string {
    return `${this.#options.prefix}${bundleKey(app, functionName, hash)}`;
  }

  #unavailable(action: string, key: string, error: unknown): NimbusError {
    const reason = describeS3Error(error);
    return new NimbusError(
      "BUNDLE_STORE_UNAVAILABLE",
      `Could not ${action} s3://${this.#options.bucket}/${key} (${reason})`,
      { cause: error },
    );
  }

  async has(app: string, functionName: string, hash: string): Promise<boolean> {
    const key = this.#key(app, functionName, hash);
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.#unavailable("check", key, error);
    }
  }

  async write(app: string, functionName: string, hash: string, bundle: FunctionBundle): Promise<void> {
    if (await this.has(app, functionName, hash)) return;
    const key = this.#key(app, functionName, hash);
    // The map first: once the bundle exists the pair is complete (as in the file store).
    if (bundle.sourceMap) await this.#put(`${key}.map`, bundle.sourceMap);
    await this.#put(key, bundle.code);
  }

  async #put(key: string, body: Uint8Array): Promise<void> {
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#options.bucket, Key: key, Body: body }));
    } catch (error) {
      throw this.#unavailable("write", key, error);
    }
  }

  async #get(key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#options.bucket, Key: key }),
      );
      return await object.Body?.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#unavailable("read", key, error);
    }
  }

  async localPath(app: string, functionName: string, hash: string): Promise<string> {
    const relative = bundleKey(app, functionName, hash);
    const path = join(this.#options.cacheDir, relative);
    if (existsSync(path)) return path;
    const key = this.#key(app, functionName, hash);
    const code = await this.#get(key);
    if (!code) {
      throw new NimbusError("BUNDLE_STORE_UNAVAILABLE", `The bundle ${key} is not in ${this.description}`);
    }
    const sourceMap = await this.#get(`${key}.map`);
    await mkdir(dirname(path), { recursive: true });
    if (sourceMap) await writeFileDurably(`${path}.map`, sourceMap);
    await writeFileDurably(path, code);
    return path;
  }
}
