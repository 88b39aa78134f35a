// The cache of each app: JSON values under string keys with an optional TTL, atomic increment,
// get-or-set. The backend (in-process or Redis) is chosen once at start; keys are namespaced by
// app here, so no backend can mix two apps' keys.
import { NimbusError } from "../../core/errors.ts";
import type { CacheBackend } from "./cache-backend.ts";

export const CACHE_LIMITS = {
  maxKeyBytes: 512,
  maxValueBytes: 512 * 1024,
  maxTtlMs: 30 * 86_400_000,
} as const;

export type CacheValue = null | boolean | number | string | CacheValue[] | { [name: string]: CacheValue };

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) < 0x20) return true;
  return false;
}

export class CacheService {
  readonly #backend: CacheBackend;
  readonly #appExists: (app: string) => boolean;

  constructor(options: { backend: CacheBackend; appExists: (app: string) => boolean }) {
    this.#backend = options.backend;
    this.#appExists = options.appExists;
  }

  #key(app: string, key: string): string {
    if (!this.#appExists(app)) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    if (key === "" || Buffer.byteLength(key) > CACHE_LIMITS.maxKeyBytes || hasControlCharacter(key))
      throw new NimbusError(
        "BAD_REQUEST",
        `A cache key is 1 to ${CACHE_LIMITS.maxKeyBytes} bytes without control characters`,
      );
    return `nimbus:${app}:${key}`;
  }

  #encode(value: CacheValue): string {
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > CACHE_LIMITS.maxValueBytes)
      throw new NimbusError(
        "PAYLOAD_TOO_LARGE",
        `A cache value may be at most ${CACHE_LIMITS.maxValueBytes} bytes as JSON`,
      );
    return text;
  }

  async get(app: string, key: string): Promise<{ found: boolean; value: CacheValue }> {
    const text = await this.#backend.get(this.#key(app, key));
    return text === undefined
      ? { found: false, value: null }
      : { found: true, value: JSON.parse(text) as CacheValue };
  }

  /** With `ifAbsent`, stores only when the key is absent (get-or-set) and answers what the key holds. */
  async set(
    app: string,
    key: string,
    value: CacheValue,
    options: { ttlMs?: number; ifAbsent?: boolean },
  ): Promise<{ value: CacheValue; stored: boolean }> {
    const name = this.#key(app, key);
    const text = this.#encode(value);
    if (!options.ifAbsent) {
      await this.#backend.set(name, text, options.ttlMs);
      return { value, stored: true };
    }
    const result = await this.#backend.setIfAbsent(name, text, options.ttlMs);
    return { value: JSON.parse(result.value) as CacheValue, stored: result.stored };
  }

  async delete(app: string, key: string): Promise<boolean> {
    return this.#backend.delete(this.#key(app, key));
  }

  async increment(app: string, key: string, by: number, ttlMs: number | undefined): Promise<number> {
    return this.#backend.increment(this.#key(app, key), by, ttlMs);
  }

  close(): Promise<void> {
    return this.#backend.close();
  }
}
