// Durations for ctx.sleep, waitForEvent timeouts and retry delays: milliseconds as a number,
// or "250ms", "5s", "10m", "1h", "2d" (the SDK imports no server code, so it parses its own).

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Timers may be at most a year away. */
export const MAX_TIMER_MS = 366 * 86_400_000;

export type Duration = number | `${number}${keyof typeof UNIT_MS}`;

export function durationMs(value: Duration, what: string): number {
  let ms: number;
  if (typeof value === "number") ms = value;
  else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
    if (!match)
      throw new TypeError(`${what}: "${value}" is not a duration such as "500ms", "5s", "1h" or "2d"`);
    ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
    throw new RangeError(`${what}: ${String(value)} is outside 0 ms to one year`);
  }
  return Math.round(ms);
}
