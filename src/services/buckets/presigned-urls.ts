// Presigned object URLs: a caller allowed GetObject or PutObject on a key asks for a URL that
// lets anyone holding it do that one thing until it expires (a browser uploading straight to
// a bucket). The URL carries an HMAC-SHA256 over method, app, bucket, key and expiry, keyed by
// a random secret kept in the store's settings, so every node of a cluster accepts it.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";
import type { SettingsStore } from "../../store/ports.ts";

export type PresignedMethod = "GET" | "PUT";

export const MAX_PRESIGN_SECONDS = 7 * 86_400;
const SETTING = "nimbus.buckets.presign-key";

export interface PresignTarget {
  readonly method: PresignedMethod;
  readonly app: string;
  readonly bucket: string;
  readonly key: string;
  /** Unix seconds. */
  readonly expiresAtSeconds: number;
}

export class PresignedUrls {
  readonly #settings: SettingsStore;
  #secret: Buffer | undefined;

  constructor(settings: SettingsStore) {
    this.#settings = settings;
  }

  /** The query string (without "?") that makes the object URL valid for the target. */
  async sign(target: PresignTarget): Promise<string> {
    const signature = this.#mac(await this.#key(), target);
    return new URLSearchParams({
      method: target.method,
      expires: String(target.expiresAtSeconds),
      signature,
    }).toString();
  }

  /** PRESIGNED_URL_INVALID unless the query signs exactly this method, object and a future expiry. */
  async verify(
    target: Omit<PresignTarget, "expiresAtSeconds">,
    query: Readonly<Record<string, unknown>>,
    nowMs = Date.now(),
  ): Promise<void> {
    const refuse = (why: string): never => {
      throw new NimbusError("PRESIGNED_URL_INVALID", `The presigned URL is not valid: ${why}`);
    };
    const { signature, expires, method } = query;
    if (typeof signature !== "string" || typeof expires !== "string") refuse("it has no signature");
    if (method !== target.method) refuse(`it was signed for ${String(method)}, not ${target.method}`);
    const expiresAtSeconds = Number(expires);
    if (!Number.isInteger(expiresAtSeconds)) refuse("its expiry is not a number");
    const expected = Buffer.from(this.#mac(await this.#key(), { ...target, expiresAtSeconds }), "hex");
    const given = Buffer.from(signature as string, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      refuse("the signature does not match");
    if (expiresAtSeconds * 1000 <= nowMs)
      refuse(`it expired at ${new Date(expiresAtSeconds * 1000).toISOString()}`);
  }

  #mac(secret: Buffer, target: PresignTarget): string {
    const text = [target.method, target.app, target.bucket, target.key, target.expiresAtSeconds].join("\n");
    return createHmac("sha256", secret).update(text).digest("hex");
  }

  async #key(): Promise<Buffer> {
    if (this.#secret) return this.#secret;
    let stored = await this.#settings.getSetting(SETTING);
    if (stored === undefined) {
      // Two nodes starting together may both write: the last write wins, and a URL signed with
      // the other key in that instant fails verification (the signer re-reads it below).
      await this.#settings.setSetting(SETTING, randomBytes(32).toString("hex"));
      stored = (await this.#settings.getSetting(SETTING)) as string;
    }
    this.#secret = Buffer.from(stored, "hex");
    return this.#secret;
  }
}
