// Both adapters read a lease's ttlMs the same way, so they accept and refuse the same values.

/** The ttl as whole milliseconds (rounded up, so a lease never lasts less than asked). */
export function leaseTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`A lease ttlMs must be a positive number of milliseconds, got ${ttlMs}.`);
  }
  return Math.ceil(ttlMs);
}
