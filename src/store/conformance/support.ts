import assert from "node:assert/strict";
import type { Store } from "../ports.ts";

/** Runs `work` on a fresh, empty store and closes it afterwards. */
export type WithStore = (work: (store: Store) => Promise<void>) => Promise<void>;

/** Polls `check` until it returns a truthy value; fails the test when the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 5_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
