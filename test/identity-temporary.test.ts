// Temporary credentials through the real server: scoped down from a user's or a function's
// own rights, confined to their prefix and their time, never wider than their parent, and
// gone with their parent.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { call, createAccessKey, errorCode } from "./identity-helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-temporary-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const PASSWORD = "correct horse battery";

interface Issued {
  token: string;
  credentialId: string;
  expiresAt: number;
}

describe("temporary credentials", () => {
  let nimbus: TestPlatform;
  let env: NodeJS.ProcessEnv;
  let accessToken: string;
  let userId: string;
  const request = async (authorization: string, statements: unknown[], durationSeconds?: number) =>
    call(nimbus, "POST", "/credentials", `Bearer ${authorization}`, {
      policy: { statements },
      ...(durationSeconds === undefined ? {} : { durationSeconds }),
    });
  const issue = async (authorization: string, statements: unknown[], durationSeconds?: number) => {
    const response = await request(authorization, statements, durationSeconds);
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as Issued;
  };
  const photo = (method: string, path: string, token: string) =>
    fetch(`${nimbus.url}/photos/${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "identity-temporary") });
    env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    assert.equal((await runCli(["users", "create", "ada", PASSWORD, "--app", "album"], env)).code, 0);
    const signIn = await call(nimbus, "POST", "/apps/album/userpool/sign-in", undefined, {
      username: "ada",
      password: PASSWORD,
    });
    accessToken = ((await signIn.json()) as { accessToken: string }).accessToken;
    userId = decodeJwt(accessToken).sub as string;
  });
  after(() => nimbus?.stop());

  it("confines a user's credentials to their prefix and method, for their time", async () => {
    const upload = await issue(
      accessToken,
      [{ actions: "http:Invoke", resources: `route/PUT/photos/uploads/${userId}/*` }],
      2,
    );
    assert.ok(upload.expiresAt - Date.now() <= 2_000);
    assert.equal((await photo("PUT", `uploads/${userId}/a.jpg`, upload.token)).status, 200);
    assert.equal((await photo("PUT", "uploads/someone-else/a.jpg", upload.token)).status, 403);
    const get = await photo("GET", `uploads/${userId}/a.jpg`, upload.token);
    assert.equal(get.status, 403, "the parent may GET; the scoped-down credentials may not");
    assert.match(
      ((await get.json()) as { error: { message: string } }).error.message,
      /no statement of session allows it/,
    );
    assert.equal((await photo("GET", `uploads/${userId}/a.jpg`, accessToken)).status, 200);
    const expired = await waitFor(async () => {
      const response = await photo("PUT", `uploads/${userId}/a.jpg`, upload.token);
      return response.status === 401 && response;
    }, "the 2-second credentials to expire");
    assert.match(((await expired.json()) as { error: { message: string } }).error.message, /it expired/);
  });

  it("can never be wider than its parent", async () => {
    const everything = await issue(accessToken, [{ actions: "*", resources: "*" }]);
    assert.equal((await photo("PUT", `uploads/${userId}/b.jpg`, everything.token)).status, 200);
    assert.equal((await photo("PUT", "uploads/someone-else/b.jpg", everything.token)).status, 403);
    assert.equal(
      (await call(nimbus, "GET", "/apps/album/secrets", `Bearer ${everything.token}`)).status,
      403,
    );
    // Credentials made from these are scoped down further, and end no later.
    const narrower = await issue(
      everything.token,
      [{ actions: "http:Invoke", resources: `route/PUT/photos/uploads/${userId}/only/*` }],
      3600,
    );
    assert.ok(narrower.expiresAt <= everything.expiresAt);
    assert.equal((await photo("PUT", `uploads/${userId}/only/c.jpg`, narrower.token)).status, 200);
    assert.equal((await photo("PUT", `uploads/${userId}/c.jpg`, narrower.token)).status, 403);
  });

  it("lets a function hand out credentials made from its own rights", async () => {
    for (const [name, value] of [
      ["broker/a", "A"],
      ["broker/b", "B"],
    ]) {
      const stored = await nimbus.admin(`/apps/album/secrets/${name}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value }),
      });
      assert.equal(stored.status, 200);
    }
    const handed = await json<Issued & { ok: boolean }>(fetch(`${nimbus.url}/broker/a`));
    assert.equal(handed.ok, true);
    const read = (name: string) =>
      call(nimbus, "GET", `/apps/album/secrets/${name}`, `Bearer ${handed.token}`);
    assert.equal(((await (await read("broker/a")).json()) as { value: string }).value, "A");
    assert.equal((await read("broker/b")).status, 403);
    // A function without the permission gets none.
    assert.deepEqual(await json(fetch(`${nimbus.url}/nothing/a`)), { ok: false, code: "ACCESS_DENIED" });
  });

  it("dies with its parent: a revoked access key, a disabled user", async () => {
    const key = await createAccessKey(nimbus, "parent", [
      { actions: ["apps:GetApp", "iam:CreateTemporaryCredentials"], resources: "*" },
    ]);
    const fromKey = await issue(`${key.accessKeyId}:${key.secretAccessKey}`, [
      { actions: "apps:GetApp", resources: "nrn:album:app" },
    ]);
    assert.equal((await call(nimbus, "GET", "/apps/album", `Bearer ${fromKey.token}`)).status, 200);
    await nimbus.admin(`/iam/access-keys/${key.accessKeyId}`, { method: "DELETE" });
    assert.equal((await call(nimbus, "GET", "/apps/album", `Bearer ${fromKey.token}`)).status, 403);

    const fromUser = await issue(accessToken, [{ actions: "http:Invoke", resources: "*" }]);
    assert.equal((await photo("GET", "x.jpg", fromUser.token)).status, 200);
    assert.equal((await runCli(["users", "disable", "ada", "--app", "album"], env)).code, 0);
    assert.equal((await photo("GET", "x.jpg", fromUser.token)).status, 403);
    assert.equal((await runCli(["users", "enable", "ada", "--app", "album"], env)).code, 0);
  });

  it("refuses bad requests clearly, and callers not allowed to ask", async () => {
    assert.equal(
      await errorCode(await request(accessToken, [{ actions: "http:Invoke", resources: "*" }], 43_201)),
      "BAD_REQUEST",
    );
    assert.equal(
      await errorCode(await request(accessToken, [{ actions: "http:Invok", resources: "*" }])),
      "POLICY_INVALID",
    );
    const keyWithoutRight = await createAccessKey(nimbus, "no-sts", [{ actions: "apps:*", resources: "*" }]);
    const denied = await request(`${keyWithoutRight.accessKeyId}:${keyWithoutRight.secretAccessKey}`, [
      { actions: "apps:*", resources: "*" },
    ]);
    assert.equal(denied.status, 403);
    const relative = await request(`${nimbus.adminKey}`, [{ actions: "apps:*", resources: "app" }]);
    assert.equal(await errorCode(relative), "POLICY_INVALID");
  });
});
