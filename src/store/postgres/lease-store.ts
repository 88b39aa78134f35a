import type pg from "pg";
import { leaseTtlMs } from "../lease-ttl.ts";
import type { Lease, LeaseStore } from "../ports.ts";
import { DB_NOW_MS } from "./database.ts";

interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  expires_at: number;
}

function toLease(row: LeaseRow): Lease {
  return { name: row.name, holder: row.holder, token: row.token, expiresAt: row.expires_at };
}

// Times are the database server's (DB_NOW_MS): nodes' clocks may disagree, the server's is one.
// The upsert grants only when the lease is free, expired (released ones have expired) or the
// caller's own; every grant bumps the token, which a row never forgets. Concurrent acquirers
// serialize on the row, and the WHERE is re-checked against the row as the winner left it.
const ACQUIRE = `
  INSERT INTO leases AS held (name, holder, token, expires_at) VALUES ($1, $2, 1, ${DB_NOW_MS} + $3)
  ON CONFLICT (name) DO UPDATE SET
    holder = excluded.holder, token = held.token + 1, expires_at = excluded.expires_at
  WHERE held.expires_at <= ${DB_NOW_MS} OR held.holder = excluded.holder
  RETURNING name, holder, token, expires_at`;

const RENEW = `
  UPDATE leases SET expires_at = ${DB_NOW_MS} + $4
  WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > ${DB_NOW_MS}
  RETURNING name, holder, token, expires_at`;

export function createPostgresLeaseStore(pool: pg.Pool): LeaseStore {
  return {
    async acquire(name, holder, ttlMs) {
      const { rows } = await pool.query<LeaseRow>(ACQUIRE, [name, holder, leaseTtlMs(ttlMs)]);
      return rows[0] && toLease(rows[0]);
    },
    async renew(lease, ttlMs) {
      const { rows } = await pool.query<LeaseRow>(RENEW, [
        lease.name,
        lease.holder,
        lease.token,
        leaseTtlMs(ttlMs),
      ]);
      return rows[0] && toLease(rows[0]);
    },
    async release(lease) {
      await pool.query("UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND token = $3", [
        lease.name,
        lease.holder,
        lease.token,
      ]);
    },
    async checkFence(name, token) {
      const { rows } = await pool.query(
        `SELECT 1 FROM leases WHERE name = $1 AND token = $2 AND expires_at > ${DB_NOW_MS}`,
        [name, token],
      );
      return rows.length > 0;
    },
  };
}
