// The Redis cache (selected with a redis:// URL): shared by every node, atomic through Redis's
// own commands (SET NX, INCRBY), expiry kept by Redis.
import { createClient } from "redis";
import { NimbusError } from "../../core/errors.ts";
import type { CacheBackend } from "./cache-backend.ts";

/** Sets the TTL only when the key has none yet: INCRBY of an absent key creates it without one. */
const INCREMENT_SCRIPT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 and value == tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value`;

export async function createRedisCache(url: string): Promise<CacheBackend> {
  const client = createClient({ url });
  // Connection errors surface on the calls that meet them; unhandled, the event would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new NimbusError("CACHE_UNAVAILABLE", `Could not connect to the cache at ${new URL(url).host}`, {
      cause: error,
    });
  }

  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof NimbusError) throw error;
      if (error instanceof Error && /not an integer|out of range/.test(error.message))
        throw new NimbusError("CACHE_VALUE_NOT_NUMBER", "The cache value is not an integer");
      throw new NimbusError("CACHE_UNAVAILABLE", "The cache (Redis) did not answer", { cause: error });
    }
  }

  const expiry = (ttlMs: number | undefined) =>
    ttlMs === undefined ? {} : { expiration: { type: "PX" as const, value: ttlMs } };

  return {
    get: (key) => guarded(async () => (await client.get(key)) ?? undefined),
    set: (key, value, ttlMs) =>
      guarded(async () => {
        await client.set(key, value, expiry(ttlMs));
      }),
    setIfAbsent: (key, value, ttlMs) =>
      guarded(async () => {
        // SET NX GET answers the old value when there was one, in one atomic command.
        const previous = await client.set(key, value, { ...expiry(ttlMs), condition: "NX", GET: true });
        return previous === null ? { value, stored: true } : { value: String(previous), stored: false };
      }),
    delete: (key) => guarded(async () => (await client.del(key)) > 0),
    increment: (key, by, ttlMs) =>
      guarded(async () =>
        Number(
          await client.eval(INCREMENT_SCRIPT, { keys: [key], arguments: [String(by), String(ttlMs ?? 0)] }),
        ),
      ),
    close: async () => {
      await client.quit().catch(() => undefined);
    },
  };
}
