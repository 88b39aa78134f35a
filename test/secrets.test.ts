// The parameter store through the real server: set/get/ls/rm from the CLI, values injected
// into function environments by name, encrypted on disk, masked in logs and records, guarded
// by IAM, and refused deploys when a function may not (or cannot) read what it names.
import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packageApp } from "../src/control/package-app.ts";
import { createPlatform } from "../src/platform.ts";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { call, createAccessKey, errorCode } from "./identity-helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-secrets-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const PASSWORD = "s3cr3t-Value-7f1c";
const NEW_PASSWORD = "rotated-Value-99ab";

/** A copy of the secrets fixture with its manifest edited. */
function appVariant(name: string, edit: (manifest: string) => string): string {
  const dir = join(root, name);
  cpSync(join(FIXTURES, "identity-secrets"), dir, { recursive: true });
  const manifest = join(dir, "nimbus.yaml");
  writeFileSync(manifest, edit(readFileSync(manifest, "utf8")));
  return dir;
}

function filesContaining(dataDir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of ["nimbus.db", "nimbus.db-wal", "nimbus.db-shm"]) {
    try {
      if (readFileSync(join(dataDir, name)).includes(Buffer.from(needle))) found.push(name);
    } catch {
      // not every file exists at every moment
    }
  }
  return found;
}

describe("secrets: the parameter store", () => {
  let nimbus: TestPlatform;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli([...args, "--app", "vault"], env);
  const get = (path: string) => fetch(`${nimbus.url}${path}`);

  before(async () => {
    nimbus = await startTestPlatform();
    env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    const valueFile = join(root, "password.txt");
    writeFileSync(valueFile, PASSWORD);
    assert.equal((await cli("secrets", "set", "db/password", "--value-file", valueFile)).code, 0);
    assert.equal((await cli("secrets", "set", "color", "teal", "--plain")).code, 0);
  });
  after(() => nimbus?.stop());

  it("sets, gets, lists and versions parameters from the CLI, never listing secret values", async () => {
    const stored = await cli("secrets", "set", "db/password", NEW_PASSWORD, "--json");
    assert.equal(JSON.parse(stored.stdout).version, 2);
    assert.ok(!stored.stdout.includes(NEW_PASSWORD), "the answer to set does not echo the value");
    assert.equal((await cli("secrets", "get", "db/password")).stdout, `${NEW_PASSWORD}\n`);
    assert.equal((await cli("secrets", "get", "db/password", "--version", "1")).stdout, `${PASSWORD}\n`);
    const listing = await cli("secrets", "ls");
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /^color {2}plain {2}v1 {2}\S+ {2}"teal"$/m);
    assert.match(listing.stdout, /^db\/password {2}secret {2}v2 {2}\S+ {2}\(secret\)$/m);
    for (const value of [PASSWORD, NEW_PASSWORD]) assert.ok(!listing.stdout.includes(value));
    const missing = await cli("secrets", "get", "db/nothing");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /App "vault" has no parameter "db\/nothing" \[SECRET_NOT_FOUND\]/);
    const badName = await cli("secrets", "set", "bad name", "x");
    assert.match(badName.stderr, /is not a parameter name.*\[BAD_REQUEST\]/);
  });

  it("injects secrets into the function's environment by name, pinned or latest", async () => {
    await nimbus.deploy(join(FIXTURES, "identity-secrets"));
    assert.deepEqual(await json(get("/api/env")), {
      DB_PASSWORD: NEW_PASSWORD,
      FIRST_PASSWORD: PASSWORD,
      COLOR: "teal",
      PLAIN: "declared",
    });
  });

  it("gives new instances the new value after a set, without a redeploy", async () => {
    const rotated = "third-Value-1234";
    assert.equal((await cli("secrets", "set", "db/password", rotated)).code, 0);
    const running = async () =>
      (await json<{ functions: { instances: { running: number } }[] }>(nimbus.admin("/apps/vault")))
        .functions[0]?.instances.running;
    await waitFor(async () => (await running()) === 0, "the idle instance to stop (keepWarm 300ms)");
    assert.equal((await json<{ DB_PASSWORD: string }>(get("/api/env"))).DB_PASSWORD, rotated);
  });

  it("masks secret values in logs and invocation records", async () => {
    const current = (await cli("secrets", "get", "db/password")).stdout.trim();
    assert.equal((await get("/api/log")).status, 200);
    const thrown = await get("/api/throw");
    assert.equal(thrown.status, 502);
    const requestId = thrown.headers.get("x-request-id") as string;
    const logs = await waitFor(async () => {
      const result = await cli("logs", "api");
      return (
        result.stdout.includes("connecting with") && result.stdout.includes("login refused") && result.stdout
      );
    }, "the log lines");
    assert.match(logs, /connecting with \*\*\* \(color teal\)/, "plain values are not masked");
    assert.match(logs, /login refused for password \*\*\*/);
    assert.ok(!logs.includes(current), "the secret is not in the logs");
    const record = await waitFor(async () => {
      const response = await nimbus.admin(`/invocations/${requestId}`);
      return response.ok && ((await response.json()) as { errorMessage: string });
    }, "the invocation record");
    assert.match(record.errorMessage, /login refused for password \*\*\*/);
  });

  it("keeps values encrypted on disk: the raw database files never hold them", async () => {
    const values = [PASSWORD, NEW_PASSWORD, (await cli("secrets", "get", "db/password")).stdout.trim()];
    for (const value of values) assert.deepEqual(filesContaining(nimbus.dataDir, value), [], value);
    // The master key file was created on first start, readable by its owner only.
    assert.equal(statSync(join(nimbus.dataDir, "master.key")).mode & 0o777, 0o600);
  });

  it("refuses a deploy whose function may not read a secret it names, and keeps serving", async () => {
    const denied = appVariant("denied", (manifest) => manifest.replace("secret/db/*", "secret/other/*"));
    await assert.rejects(nimbus.deploy(denied), (error: Error & { code?: string }) => {
      assert.equal(error.code, "ACCESS_DENIED");
      assert.match(
        error.message,
        /Function "api" cannot read its env DB_PASSWORD from secret "db\/password"/,
      );
      assert.match(
        error.message,
        /function\/vault\/api is not allowed secrets:GetSecret on nrn:vault:secret\/db\/password/,
      );
      return true;
    });
    const noPermissions = appVariant("none", (manifest) =>
      manifest.replace(/ {4}permissions:[\s\S]*?(?= {4}events:)/, ""),
    );
    await assert.rejects(nimbus.deploy(noPermissions), /ACCESS_DENIED|not allowed secrets:GetSecret/);
    const missing = appVariant("missing", (manifest) =>
      manifest.replace("secret: color", "secret: db/missing"),
    );
    await assert.rejects(
      nimbus.deploy(missing),
      (error: Error & { code?: string }) => error.code === "SECRET_NOT_FOUND",
    );
    assert.equal((await get("/api/env")).status, 200, "the deployed version keeps serving");
  });

  it("guards every parameter operation with IAM", async () => {
    const reader = await createAccessKey(nimbus, "reader", [
      { actions: ["secrets:GetSecret", "secrets:ListSecrets"], resources: ["nrn:vault:secret/*"] },
      { effect: "deny", actions: ["secrets:GetSecret"], resources: ["nrn:vault:secret/db/*"] },
    ]);
    assert.equal((await call(nimbus, "GET", "/apps/vault/secrets/color", reader.authorization)).status, 200);
    assert.equal((await call(nimbus, "GET", "/apps/vault/secrets", reader.authorization)).status, 200);
    const denied = await call(nimbus, "GET", "/apps/vault/secrets/db/password", reader.authorization);
    assert.equal(denied.status, 403);
    const text = await denied.text();
    assert.equal(JSON.parse(text).error.code, "ACCESS_DENIED");
    assert.ok(!text.includes(PASSWORD), "an error never holds the value");
    const write = await call(nimbus, "PUT", "/apps/vault/secrets/color", reader.authorization, {
      value: "red",
    });
    assert.equal(write.status, 403);
    assert.equal(
      (await cli("secrets", "get", "color")).stdout,
      "teal\n",
      "the refused write changed nothing",
    );
    assert.equal(
      await errorCode(await call(nimbus, "DELETE", "/apps/vault/secrets/color", reader.authorization)),
      "ACCESS_DENIED",
    );
  });

  it("deletes every version of a parameter", async () => {
    assert.equal((await cli("secrets", "set", "temp", "x1")).code, 0);
    assert.equal((await cli("secrets", "rm", "temp")).code, 0);
    assert.match((await cli("secrets", "get", "temp")).stderr, /\[SECRET_NOT_FOUND\]/);
    assert.match((await cli("secrets", "rm", "temp")).stderr, /\[SECRET_NOT_FOUND\]/);
  });
});

describe("secrets: the master key", () => {
  it("uses NIMBUS_MASTER_KEY when given, and refuses to start with another key than the data's", async () => {
    const dataDir = join(root, "keyed");
    const key = Buffer.alloc(32, 7).toString("base64");
    const first = createPlatform({ dataDir, port: 0, adminKey: "nk_test_master_key_0001", masterKey: key });
    await first.start();
    await first.stop();
    assert.throws(() => statSync(join(dataDir, "master.key")), /ENOENT/, "no key file when the key is given");
    const other = createPlatform({
      dataDir,
      port: 0,
      adminKey: "nk_test_master_key_0001",
      masterKey: Buffer.alloc(32, 8).toString("hex"),
    });
    await assert.rejects(other.start(), (error: Error & { code?: string }) => {
      assert.equal(error.code, "MASTER_KEY_INVALID");
      assert.match(error.message, /not the one this store's secrets were encrypted with/);
      return true;
    });
    await other.stop();
    const short = createPlatform({
      dataDir,
      port: 0,
      adminKey: "nk_test_master_key_0001",
      masterKey: "c2hvcnQ=",
    });
    await assert.rejects(short.start(), /32 bytes/);
    await short.stop();
  });

  it("refuses a key file that others can read", async () => {
    const dataDir = join(root, "loose");
    const platform = createPlatform({ dataDir, port: 0, adminKey: "nk_test_master_key_0002" });
    await platform.start();
    await platform.stop();
    chmodSync(join(dataDir, "master.key"), 0o644);
    const again = createPlatform({ dataDir, port: 0, adminKey: "nk_test_master_key_0002" });
    await assert.rejects(again.start(), /readable by others \(mode 644\); run chmod 600/);
    await again.stop();
  });
});

describe("secrets on PostgreSQL", () => {
  it("stores only ciphertext in the database", async () => {
    const database = await createTestDatabase();
    const dataDir = join(root, "pg");
    const platform = createPlatform({
      dataDir,
      port: 0,
      adminKey: "nk_test_pg_secrets_0001",
      storeUrl: database.url,
    });
    try {
      const { url } = await platform.start();
      const response = await fetch(`${url}/_nimbus/apps/vault/secrets/db/password`, {
        method: "PUT",
        headers: { authorization: "Bearer nk_test_pg_secrets_0001", "content-type": "application/json" },
        body: JSON.stringify({ value: PASSWORD }),
      });
      assert.equal(response.status, 200);
      // color is not set here: the deploy is refused, as a missing secret makes it.
      await assert.rejects(
        platform.deploy(await packageApp(join(FIXTURES, "identity-secrets"))),
        /secret "color"/,
      );
      const rows = await database.query<{ ciphertext: string }>("SELECT ciphertext FROM secrets");
      assert.equal(rows.length, 1);
      assert.ok(!(rows[0]?.ciphertext ?? "").includes(PASSWORD));
      const dump = await database.query<{ dump: string }>(
        "SELECT string_agg(t::text, '|') AS dump FROM secrets t",
      );
      assert.ok(!(dump[0]?.dump ?? "").includes(PASSWORD));
    } finally {
      await platform.stop();
      await database.drop();
    }
  });
});
