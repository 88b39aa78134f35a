// Function credentials through the real server: each instance's NIMBUS_TOKEN is scoped to its
// own function's permissions, rotated before it expires, useless once expired or once its
// instance stopped, and refused when tampered with or not signed by this platform.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { packageApp } from "../src/control/package-app.ts";
import { createPlatform } from "../src/platform.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { call, errorCode } from "./identity-helpers.ts";

interface Attempt {
  ok: boolean;
  result?: unknown;
  code?: string;
  message?: string;
}

interface TokenAnswer {
  token: string;
  fromEnv: string;
  expiresAt: string;
}

async function putSecret(nimbus: TestPlatform, name: string, value: string): Promise<void> {
  const response = await nimbus.admin(`/apps/creds/secrets/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value }),
  });
  assert.equal(response.status, 200);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("function credentials (15-minute tokens)", () => {
  let nimbus: TestPlatform;
  const get = (path: string) => fetch(`${nimbus.url}${path}`);
  const token = async (fn: string) => json<TokenAnswer>(get(`/${fn}/token`));
  const running = async (fn: string) =>
    (
      await json<{ functions: { name: string; instances: { running: number } }[] }>(
        nimbus.admin("/apps/creds"),
      )
    ).functions.find((candidate) => candidate.name === fn)?.instances.running;
  const readAs = (authorization: string, name: string) =>
    call(nimbus, "GET", `/apps/creds/secrets/${name}`, `Bearer ${authorization}`);

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "identity-credentials") });
    await putSecret(nimbus, "reader/key", "reader-value-1");
    await putSecret(nimbus, "other/key", "other-value-1");
  });
  after(() => nimbus?.stop());

  it("lets the SDK call the platform with the instance's own token", async () => {
    assert.deepEqual(await json(get("/reader/secret/reader/key")), { ok: true, result: "reader-value-1" });
    assert.deepEqual(await json(get("/other/invoke/reader")), { ok: true, result: "success" });
  });

  it("never lets a function use another function's permissions", async () => {
    const denied = await json<Attempt>(get("/reader/secret/other/key"));
    assert.equal(denied.code, "ACCESS_DENIED");
    assert.match(
      denied.message ?? "",
      /function\/creds\/reader is not allowed secrets:GetSecret on nrn:creds:secret\/other\/key/,
    );
    assert.equal((await json<Attempt>(get("/other/secret/reader/key"))).code, "ACCESS_DENIED");
    // reader may not invoke anything; other may invoke reader only.
    assert.equal((await json<Attempt>(get("/reader/invoke/other"))).code, "ACCESS_DENIED");
    assert.equal((await json<Attempt>(get("/other/invoke/brief"))).code, "ACCESS_DENIED");
  });

  it("scopes a token copied out of an instance to that function, nothing more", async () => {
    const { token: copied, fromEnv, expiresAt } = await token("reader");
    assert.equal(fromEnv, copied, "the fetch env holds the same token");
    const claims = decodeJwt(copied);
    assert.equal(claims.sub, "function/creds/reader");
    assert.ok(Date.parse(expiresAt) - Date.now() <= 15 * 60_000);
    assert.equal((await readAs(copied, "reader/key")).status, 200);
    assert.equal((await readAs(copied, "other/key")).status, 403);
    const admin = await call(nimbus, "GET", "/iam/access-keys", `Bearer ${copied}`);
    assert.equal(await errorCode(admin), "ACCESS_DENIED");
  });

  it("keeps a token its function prints out of the recorded logs", async () => {
    const { token: printed } = await token("reader");
    assert.equal((await get("/reader/log-token")).status, 200);
    const lines = await waitFor(async () => {
      const { lines } = await json<{ lines: { message: string }[] }>(
        nimbus.admin("/apps/creds/logs?function=reader"),
      );
      return lines.some((line) => line.message.startsWith("my token is")) && lines;
    }, "the log line");
    const line = lines.find((candidate) => candidate.message.startsWith("my token is"));
    assert.equal(line?.message, "my token is ***");
    assert.ok(!JSON.stringify(lines).includes(printed));
  });

  it("refuses tampered tokens, alg none, other keys and HS256 with the public key", async () => {
    const { token: real } = await token("reader");
    const [header, payload, signature] = real.split(".") as [string, string, string];
    const claims = decodeJwt(real);
    const widened = base64url({ ...claims, pol: [{ effect: "allow", actions: ["*"], resources: ["*"] }] });
    const forgeries = {
      tampered: `${header}.${widened}.${signature}`,
      algNone: `${base64url({ alg: "none", typ: "JWT" })}.${widened}.`,
      otherKey: await new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: decodeProtectedHeader(real).kid as string })
        .sign((await generateKeyPair("ES256")).privateKey),
      hs256: await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: decodeProtectedHeader(real).kid as string })
        .sign(
          new TextEncoder().encode(
            JSON.stringify((await json<{ keys: unknown[] }>(get("/_nimbus/.well-known/jwks.json"))).keys[0]),
          ),
        ),
      truncated: `${header}.${payload}`,
    };
    for (const [name, forged] of Object.entries(forgeries)) {
      const response = await readAs(forged, "other/key");
      assert.equal(response.status, 401, name);
      assert.equal(await errorCode(response), "CREDENTIALS_INVALID", name);
    }
  });

  it("publishes the signing keys and keeps old tokens valid across a key rotation", async () => {
    const before = await json<{ keys: { kid: string; alg: string; d?: string }[] }>(
      get("/_nimbus/.well-known/jwks.json"),
    );
    assert.equal(before.keys.length, 1);
    assert.equal(before.keys[0]?.alg, "ES256");
    assert.equal(before.keys[0]?.d, undefined, "no private part is published");
    const { token: old } = await token("reader");
    assert.equal((await nimbus.admin("/iam/signing-keys/rotate", { method: "POST" })).status, 200);
    const afterRotation = await json<{ keys: { kid: string }[] }>(get("/_nimbus/.well-known/jwks.json"));
    assert.equal(afterRotation.keys.length, 2);
    assert.equal((await readAs(old, "reader/key")).status, 200, "a token of the old key still works");
    // A new instance gets a token from the new key.
    await waitFor(async () => (await running("brief")) === 0, "brief's instance to stop (keepWarm 300ms)");
    const { token: fresh } = await token("brief");
    assert.equal(decodeProtectedHeader(fresh).kid, afterRotation.keys[0]?.kid);
    assert.notEqual(decodeProtectedHeader(old).kid, decodeProtectedHeader(fresh).kid);
  });

  it("makes a token useless once its instance has stopped", async () => {
    const { token: copied } = await token("brief");
    assert.equal((await readAs(copied, "reader/key")).status, 200);
    const response = await waitFor(async () => {
      const attempt = await readAs(copied, "reader/key");
      return attempt.status === 401 && attempt;
    }, "the instance to stop (keepWarm 300ms) and its token to stop working");
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /instance of creds\/brief that has stopped/,
    );
  });
});

describe("function credentials (3-second tokens)", () => {
  let nimbus: TestPlatform;
  const get = (path: string) => fetch(`${nimbus.url}${path}`);

  before(async () => {
    nimbus = await startTestPlatform({
      appDir: join(FIXTURES, "identity-credentials"),
      options: { functionTokenTtlMs: 3_000 },
    });
    await putSecret(nimbus, "reader/key", "reader-value-2");
  });
  after(() => nimbus?.stop());

  it("rotates the token before it expires, and a copied token is useless after it expires", async () => {
    const first = await json<TokenAnswer>(get("/reader/token"));
    const readWith = (token: string) =>
      call(nimbus, "GET", "/apps/creds/secrets/reader/key", `Bearer ${token}`);
    assert.equal((await readWith(first.token)).status, 200);
    const rotated = await waitFor(async () => {
      const now = await json<TokenAnswer>(get("/reader/token"));
      return now.token !== first.token && now;
    }, "the instance to get a new token");
    assert.equal(rotated.fromEnv, rotated.token, "handlers reading env see the rotated token too");
    assert.ok(Date.parse(rotated.expiresAt) > Date.parse(first.expiresAt));
    const expired = await waitFor(async () => {
      const attempt = await readWith(first.token);
      return attempt.status === 401 && attempt;
    }, "the first token to expire");
    assert.match(((await expired.json()) as { error: { message: string } }).error.message, /it expired/);
    // The instance itself kept working all along, with its current token.
    assert.deepEqual(await json(get("/reader/secret/reader/key")), { ok: true, result: "reader-value-2" });
  });
});

describe("function credentials across a restart", () => {
  it("refuses a token from before the restart: its instance is gone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nimbus-creds-restart-"));
    const options = { dataDir, port: 0, adminKey: "nk_test_restart_token_01" };
    try {
      const first = createPlatform(options);
      const { url } = await first.start();
      let copied: string;
      try {
        await first.deploy(await packageApp(join(FIXTURES, "identity-credentials")));
        copied = (await json<TokenAnswer>(fetch(`${url}/reader/token`))).token;
      } finally {
        await first.stop();
      }
      const second = createPlatform(options);
      const { url: secondUrl } = await second.start();
      try {
        const response = await fetch(`${secondUrl}/_nimbus/apps/creds/secrets`, {
          headers: { authorization: `Bearer ${copied}` },
        });
        assert.equal(response.status, 401);
        assert.match(
          ((await response.json()) as { error: { message: string } }).error.message,
          /has stopped/,
        );
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
