import type { DatabaseSync } from "node:sqlite";
import { leaseTtlMs } from "../lease-ttl.ts";
import type { Lease, LeaseStore } from "../ports.ts";

interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  expires_at: number;
}

function toLease(row: LeaseRow): Lease {
  return { name: row.name, holder: row.holder, token: row.token, expiresAt: row.expires_at };
}

/** One process owns the database file, so this machine's clock is the store's clock. */
export function createSqliteLeaseStore(db: DatabaseSync): LeaseStore {
  // The upsert grants only when the lease is free, expired (released ones have expired)
  // or the caller's own; every grant bumps the token, which a row never forgets.
  const acquire = db.prepare(
    `INSERT INTO leases (name, holder, token, expires_at) VALUES (?, ?, 1, ?)
     ON CONFLICT (name) DO UPDATE SET
       holder = excluded.holder, token = leases.token + 1, expires_at = excluded.expires_at
     WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
     RETURNING name, holder, token, expires_at`,
  );
  const renew = db.prepare(
    `UPDATE leases SET expires_at = ?
     WHERE name = ? AND holder = ? AND token = ? AND expires_at > ?
     RETURNING name, holder, token, expires_at`,
  );
  const release = db.prepare("UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND token = ?");
  const current = db.prepare("SELECT 1 AS held FROM leases WHERE name = ? AND token = ? AND expires_at > ?");

  return {
    async acquire(name, holder, ttlMs) {
      const now = Date.now();
      const row = acquire.get(name, holder, now + leaseTtlMs(ttlMs), now) as LeaseRow | undefined;
      return row && toLease(row);
    },
    async renew(lease, ttlMs) {
      const now = Date.now();
      const expiresAt = now + leaseTtlMs(ttlMs);
      const row = renew.get(expiresAt, lease.name, lease.holder, lease.token, now) as LeaseRow | undefined;
      return row && toLease(row);
    },
    async release(lease) {
      release.run(lease.name, lease.holder, lease.token);
    },
    async checkFence(name, token) {
      return current.get(name, token, Date.now()) !== undefined;
    },
  };
}
