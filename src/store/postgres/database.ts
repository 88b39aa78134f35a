// Opens the connection pool and applies migrations. Every node runs this at start,
// possibly at the same moment as its peers.
import pg from "pg";
import { POSTGRES_MIGRATIONS } from "./migrations.ts";

/** The database server's clock in epoch ms: leases compare times from one clock, not each node's. */
export const DB_NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** Keys for pg_advisory_xact_lock; arbitrary constants ("NIM" + a number), one per purpose. */
export const ADVISORY_LOCK = { migrations: 0x4e494d01, logAppend: 0x4e494d02 } as const;

// Epoch ms, tokens and COUNT(*) are BIGINT, which pg returns as strings by default; they stay
// far below 2^53, so numbers are exact. Per pool, not pg.types, to leave other pg users alone.
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export async function openPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, application_name: "nimbus", types });
  // An idle pooled connection that breaks (server restart, network) emits "error" on the pool;
  // unhandled, that would crash the process. The pool already discards the client, and the
  // next query opens a new connection or fails where a caller sees it.
  pool.on("error", () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}

async function migrate(pool: pg.Pool): Promise<void> {
  await transaction(pool, async (client) => {
    // DDL is transactional in PostgreSQL: the node that takes the lock applies everything
    // pending and commits; the nodes waiting on it then find nothing left to do.
    await client.query("SELECT pg_advisory_xact_lock($1)", [ADVISORY_LOCK.migrations]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS nimbus_migrations (
         version INTEGER PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ applied: number }>(
      "SELECT COALESCE(MAX(version), 0) AS applied FROM nimbus_migrations",
    );
    for (let index = rows[0]?.applied ?? 0; index < POSTGRES_MIGRATIONS.length; index++) {
      await client.query(POSTGRES_MIGRATIONS[index] as string);
      await client.query("INSERT INTO nimbus_migrations (version) VALUES ($1)", [index + 1]);
    }
  });
}

export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client whose connection dies (the server restarts, the database is dropped)
  // emits "error" besides failing its query; unheard, that event would crash the process. The
  // query's own rejection reports it to the caller.
  const ignore = () => {};
  client.on("error", ignore);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      // The connection itself failed: hand it back as broken so the pool does not reuse it.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.off("error", ignore);
    client.release(broken);
  }
}
