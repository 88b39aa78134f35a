// When the next attempt of a failed async invocation starts: exponential backoff with "equal
// jitter" (half fixed, half random), so retries of many failed invocations spread out instead
// of hitting a recovering dependency at the same moment, while each still waits at least half
// its nominal delay.

export interface BackoffPolicy {
  /** The nominal delay before the first retry. */
  readonly baseDelayMs: number;
  /** No delay exceeds this. */
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 };

/** `retry` is 1 for the first retry; `random` is in [0, 1). */
export function retryDelayMs(retry: number, policy: BackoffPolicy, random: number = Math.random()): number {
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(nominal / 2 + (nominal / 2) * random);
}
