// The quota period a request falls in, in UTC: a day, a week from Monday, or a month.
export type QuotaPeriod = "day" | "week" | "month";

export function quotaWindow(period: QuotaPeriod, nowMs: number): { start: number; end: number } {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = now.getUTCDate();
  if (period === "month") return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  if (period === "week") {
    const sinceMonday = (now.getUTCDay() + 6) % 7;
    return {
      start: Date.UTC(year, month, day - sinceMonday),
      end: Date.UTC(year, month, day - sinceMonday + 7),
    };
  }
  return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
}
