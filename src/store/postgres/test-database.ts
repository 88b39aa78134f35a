// For the PostgreSQL tests: a throwaway database on a real server. The tests never skip:
// when no server answers (and one cannot be started), they fail and say PostgreSQL is missing.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import pg from "pg";

/** The maintenance database of the server to test against. */
const ADMIN_URL = process.env.NIMBUS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const START_TIMEOUT_MS = 15_000;

export interface TestDatabase {
  /** The database itself (its public schema). */
  readonly url: string;
  /** A new, empty schema and a URL that works in it: one per test keeps tests apart cheaply. */
  freshSchema(): Promise<{ readonly schema: string; readonly url: string }>;
  /** Runs one statement in the database as the administrator. */
  query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Drops the database, ending any session still connected to it. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  await ensureServer();
  const name = `nimbus_test_${randomBytes(6).toString("hex")}`;
  await withClient(ADMIN_URL, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(ADMIN_URL, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let schemas = 0;
  return {
    url,
    async freshSchema() {
      const schema = `test_${++schemas}`;
      await client.query(`CREATE SCHEMA ${schema}`);
      const schemaUrl = new URL(url);
      schemaUrl.searchParams.set("options", `-c search_path=${schema}`);
      return { schema, url: schemaUrl.href };
    },
    async query(sql, params) {
      return (await client.query(sql, params)).rows;
    },
    async drop() {
      await client.end();
      await withClient(ADMIN_URL, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function reachable(): Promise<boolean> {
  try {
    await withClient(ADMIN_URL, (client) => client.query("SELECT 1"));
    return true;
  } catch {
    return false;
  }
}

async function ensureServer(): Promise<void> {
  if (await reachable()) return;
  const attempt = startLocalCluster();
  // Only a cluster that just started is worth waiting for; otherwise fail at once.
  const deadline = Date.now() + (attempt.started ? START_TIMEOUT_MS : 0);
  for (;;) {
    if (await reachable()) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `PostgreSQL is missing: nothing answers at ${ADMIN_URL}, and starting the local cluster did not help ` +
      `(${attempt.detail}). The PostgreSQL store tests need a running server: install and start PostgreSQL, ` +
      "or point NIMBUS_TEST_POSTGRES_URL at one.",
  );
}

/** Starts the Debian-packaged cluster, if there is one; says what happened, for the error message. */
function startLocalCluster(): { readonly started: boolean; readonly detail: string } {
  if (!existsSync("/etc/postgresql")) return { started: false, detail: "no /etc/postgresql" };
  const version = readdirSync("/etc/postgresql")[0];
  if (!version) return { started: false, detail: "no cluster in /etc/postgresql" };
  const args = ["--skip-systemctl-redirect", version, "main", "start"];
  const result = spawnSync("pg_ctlcluster", args, { encoding: "utf8", timeout: START_TIMEOUT_MS });
  if (result.error) return { started: false, detail: `pg_ctlcluster: ${result.error.message}` };
  const output = `${result.stderr}${result.stdout}`.trim() || "no output";
  return {
    started: result.status === 0,
    detail: `pg_ctlcluster ${args.join(" ")} exited ${result.status}: ${output}`,
  };
}
