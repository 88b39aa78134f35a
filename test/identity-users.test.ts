// User pools through the real server: sign-up with email verification, sign-in, tokens an
// outside verifier accepts, refresh, sign-out, password reset, lockout, the users' role, and
// the admin side from the CLI.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import type { EmailMessage } from "../src/identity/index.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, waitFor } from "./helpers.ts";
import { call, errorCode } from "./identity-helpers.ts";

interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  expiresIn: number;
}

const root = mkdtempSync(join(tmpdir(), "nimbus-users-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const PASSWORD = "correct horse battery";

/** A copy of the users fixture under another app name, with its manifest edited. */
function appVariant(name: string, edit: (manifest: string) => string): string {
  const dir = join(root, name);
  cpSync(join(FIXTURES, "identity-users"), dir, { recursive: true });
  const manifest = join(dir, "nimbus.yaml");
  writeFileSync(manifest, edit(readFileSync(manifest, "utf8").replace("app: people", `app: ${name}`)));
  return dir;
}

describe("user pools", () => {
  let nimbus: TestPlatform;
  const emails: EmailMessage[] = [];
  let env: NodeJS.ProcessEnv;
  const pool = (app: string, action: string, body: unknown) =>
    call(nimbus, "POST", `/apps/${app}/userpool/${action}`, undefined, body);
  const signIn = async (username: string, password = PASSWORD, app = "people") => {
    const response = await pool(app, "sign-in", { username, password });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as Tokens;
  };
  const codeFor = (to: string, purpose: EmailMessage["purpose"]) =>
    waitFor(
      () => emails.findLast((email) => email.to === to && email.purpose === purpose)?.code,
      `the ${purpose} email to ${to}`,
    );
  const putSecret = (name: string, value: string) =>
    nimbus.admin(`/apps/people/secrets/${name}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value }),
    });

  before(async () => {
    nimbus = await startTestPlatform({
      appDir: join(FIXTURES, "identity-users"),
      hooks: { onEmail: (email) => emails.push(email) },
    });
    await nimbus.deploy(
      appVariant("shortlived", (manifest) =>
        manifest.replace("lockout:", "tokens: { access: 1s }\n  selfSignUp: false\n  lockout:"),
      ),
    );
    env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
  });
  after(() => nimbus?.stop());

  it("signs up, verifies the email with a code, and only then signs in", async () => {
    const signUp = await pool("people", "sign-up", {
      username: "Ada",
      password: PASSWORD,
      email: "ada@example.com",
    });
    assert.equal(signUp.status, 201);
    const created = (await signUp.json()) as {
      username: string;
      confirmed: boolean;
      codeDestination: string;
    };
    assert.deepEqual(
      [created.username, created.confirmed, created.codeDestination],
      ["ada", false, "a***@e***"],
    );
    const early = await pool("people", "sign-in", { username: "ada", password: PASSWORD });
    assert.equal(await errorCode(early), "USER_NOT_CONFIRMED");
    const code = await codeFor("ada@example.com", "verify-email");
    const wrong = await pool("people", "confirm-sign-up", {
      username: "ada",
      code: code === "000000" ? "111111" : "000000",
    });
    assert.equal(await errorCode(wrong), "CODE_INVALID");
    assert.equal((await pool("people", "confirm-sign-up", { username: "ada", code })).status, 200);
    assert.equal(
      await errorCode(await pool("people", "confirm-sign-up", { username: "ada", code })),
      "CODE_INVALID",
      "a code works once",
    );
    const again = await pool("people", "sign-up", {
      username: "ada",
      password: PASSWORD,
      email: "x@example.com",
    });
    assert.equal(await errorCode(again), "USER_EXISTS");
    const short = await pool("people", "sign-up", {
      username: "eve",
      password: "short",
      email: "eve@example.com",
    });
    assert.equal(await errorCode(short), "PASSWORD_INVALID");
  });

  it("issues access and ID tokens that an outside verifier accepts through the pool's JWKS", async () => {
    const tokens = await signIn("ada");
    const issuer = `${nimbus.url}/_nimbus/apps/people/userpool`;
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    assert.deepEqual(discovery.issuer, issuer);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const access = await jwtVerify(tokens.accessToken, jwks, {
      issuer,
      audience: "people",
      algorithms: ["ES256"],
    });
    assert.equal(access.payload.token_use, "access");
    assert.equal(access.payload.username, "ada");
    assert.equal(access.payload.scope, "profile");
    const id = await jwtVerify(tokens.idToken, jwks, { issuer, audience: "people" });
    assert.deepEqual(
      [id.payload.token_use, id.payload.email, id.payload.email_verified],
      ["id", "ada@example.com", true],
    );
    assert.ok(tokens.expiresIn > 3500 && tokens.expiresIn <= 3600);
    assert.ok(
      !readFileSync(join(nimbus.dataDir, "nimbus.db")).includes(PASSWORD),
      "passwords are stored hashed",
    );
  });

  it("gives signed-in users their role: their own things, and their groups'", async () => {
    const tokens = await signIn("ada");
    const userId = decodeJwt(tokens.accessToken).sub as string;
    assert.equal((await putSecret(`users/${userId}/note`, "ada's note")).status, 200);
    assert.equal((await putSecret("users/someone-else/note", "not ada's")).status, 200);
    assert.equal((await putSecret("shared/motto", "together")).status, 200);
    const read = (name: string, token: string) =>
      call(nimbus, "GET", `/apps/people/secrets/${name}`, `Bearer ${token}`);
    const own = await read(`users/${userId}/note`, tokens.accessToken);
    assert.equal(((await own.json()) as { value: string }).value, "ada's note");
    const other = await read("users/someone-else/note", tokens.accessToken);
    assert.equal(other.status, 403);
    assert.match(
      ((await other.json()) as { error: { message: string } }).error.message,
      /user\/people\/ada is not allowed/,
    );
    assert.equal((await read("shared/motto", tokens.accessToken)).status, 403);
    const created = await runCli(
      [
        "users",
        "create",
        "grace",
        PASSWORD,
        "--email",
        "grace@example.com",
        "--group",
        "admins",
        "--app",
        "people",
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const admin = await signIn("grace");
    assert.equal(decodeJwt(admin.accessToken).scope, "profile admin");
    assert.equal((await read("shared/motto", admin.accessToken)).status, 200);
    // An ID token is not a credential for the API.
    assert.equal((await read(`users/${userId}/note`, tokens.idToken)).status, 401);
  });

  it("refreshes, and signing out revokes the refresh token (one, or all of a user's)", async () => {
    const first = await signIn("ada");
    const second = await signIn("ada");
    const refreshed = await pool("people", "refresh", { refreshToken: first.refreshToken });
    assert.equal(refreshed.status, 200);
    const renewed = (await refreshed.json()) as Tokens;
    assert.equal(decodeJwt(renewed.accessToken).sub, decodeJwt(first.accessToken).sub);
    assert.equal((await pool("people", "sign-out", { refreshToken: first.refreshToken })).status, 204);
    assert.equal(
      await errorCode(await pool("people", "refresh", { refreshToken: first.refreshToken })),
      "CREDENTIALS_INVALID",
    );
    assert.equal((await pool("people", "refresh", { refreshToken: second.refreshToken })).status, 200);
    const third = await signIn("ada");
    await pool("people", "sign-out", { refreshToken: third.refreshToken, everywhere: true });
    assert.equal(
      await errorCode(await pool("people", "refresh", { refreshToken: second.refreshToken })),
      "CREDENTIALS_INVALID",
    );
    // Another app's pool does not take this pool's refresh token.
    const fourth = await signIn("ada");
    assert.equal(
      await errorCode(await pool("shortlived", "refresh", { refreshToken: fourth.refreshToken })),
      "CREDENTIALS_INVALID",
    );
  });

  it("resets a password with a code sent by email, ending every session", async () => {
    const before = await signIn("ada");
    assert.equal((await pool("people", "forgot-password", { username: "ada" })).status, 200);
    const code = await codeFor("ada@example.com", "reset-password");
    const newPassword = "a brand new password";
    assert.equal(
      (await pool("people", "confirm-forgot-password", { username: "ada", code, password: newPassword }))
        .status,
      200,
    );
    assert.equal(
      await errorCode(await pool("people", "sign-in", { username: "ada", password: PASSWORD })),
      "SIGN_IN_FAILED",
    );
    await signIn("ada", newPassword);
    assert.equal(
      await errorCode(await pool("people", "refresh", { refreshToken: before.refreshToken })),
      "CREDENTIALS_INVALID",
    );
    // Unknown users get the same answer, and no email.
    const count = emails.length;
    assert.equal((await pool("people", "forgot-password", { username: "nobody" })).status, 200);
    assert.equal(emails.length, count);
  });

  it("locks a user out after repeated failed sign-ins, and says nothing about who exists", async () => {
    await runCli(["users", "create", "mallory-target", PASSWORD, "--app", "people"], env);
    const attempt = (password: string) => pool("people", "sign-in", { username: "mallory-target", password });
    const first = await attempt("wrong password 1");
    assert.equal(first.status, 401);
    const unknown = await pool("people", "sign-in", {
      username: "no-such-user",
      password: "wrong password 1",
    });
    assert.deepEqual(
      ((await unknown.json()) as { error: unknown }).error,
      {
        ...((await first.json()) as { error: Record<string, unknown> }).error,
        requestId: unknown.headers.get("x-request-id"),
      },
      "the same answer for a user that does not exist",
    );
    assert.equal((await attempt("wrong password 2")).status, 401);
    const locked = await attempt("wrong password 3");
    assert.equal(locked.status, 429);
    assert.equal(await errorCode(locked), "SIGN_IN_LOCKED");
    assert.ok(Number(locked.headers.get("retry-after")) > 0);
    assert.equal(await errorCode(await attempt(PASSWORD)), "SIGN_IN_LOCKED", "even the right password waits");
    const listing = await runCli(["users", "ls", "--app", "people"], env);
    assert.match(listing.stdout, /^mallory-target {2}- {2}locked$/m);
  });

  it("refuses tampered and expired access tokens on the API", async () => {
    const tokens = await signIn("ada", "a brand new password");
    const [header, payload, signature] = tokens.accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, groups: ["admins"] })).toString("base64url")}.${signature}`;
    const response = await call(nimbus, "GET", "/apps/people/secrets/shared/motto", `Bearer ${tampered}`);
    assert.equal(response.status, 401);
    await runCli(["users", "create", "brief", PASSWORD, "--app", "shortlived"], env);
    const short = await signIn("brief", PASSWORD, "shortlived");
    const expired = await waitFor(async () => {
      const attempt = await call(nimbus, "GET", "/apps/shortlived/secrets", `Bearer ${short.accessToken}`);
      return attempt.status === 401 && attempt;
    }, "the 1-second access token to expire");
    assert.match(((await expired.json()) as { error: { message: string } }).error.message, /it expired/);
  });

  it("administers users from the CLI: create, list, disable (ending sessions), enable", async () => {
    const created = await runCli(
      ["users", "create", "Bob", PASSWORD, "--email", "bob@example.com", "--app", "people", "--json"],
      env,
    );
    assert.equal(JSON.parse(created.stdout).status, "confirmed");
    const tokens = await signIn("bob");
    const listed = await runCli(["users", "ls", "--app", "people"], env);
    assert.match(listed.stdout, /^bob {2}bob@example\.com {2}confirmed$/m);
    const unknownGroup = await runCli(
      ["users", "create", "x", PASSWORD, "--group", "root", "--app", "people"],
      env,
    );
    assert.match(unknownGroup.stderr, /Unknown group\(s\) root; the pool has admins \[BAD_REQUEST\]/);
    assert.equal((await runCli(["users", "disable", "bob", "--app", "people"], env)).code, 0);
    const refused = await pool("people", "sign-in", { username: "bob", password: PASSWORD });
    assert.equal(await errorCode(refused), "SIGN_IN_FAILED");
    assert.equal(
      await errorCode(await pool("people", "refresh", { refreshToken: tokens.refreshToken })),
      "CREDENTIALS_INVALID",
    );
    const bobId = decodeJwt(tokens.accessToken).sub as string;
    await putSecret(`users/${bobId}/note`, "bob's");
    const withOldToken = await call(
      nimbus,
      "GET",
      `/apps/people/secrets/users/${bobId}/note`,
      `Bearer ${tokens.accessToken}`,
    );
    assert.equal(withOldToken.status, 403, "a disabled user's unexpired token has no rights");
    assert.equal((await runCli(["users", "enable", "bob", "--app", "people"], env)).code, 0);
    await signIn("bob");
    assert.match(
      (await runCli(["users", "disable", "nobody", "--app", "people"], env)).stderr,
      /\[USER_NOT_FOUND\]/,
    );
  });

  it("refuses sign-up where the pool does not allow it, and pools an app does not have", async () => {
    const closed = await pool("shortlived", "sign-up", {
      username: "zed",
      password: PASSWORD,
      email: "zed@example.com",
    });
    assert.equal(await errorCode(closed), "ACCESS_DENIED");
    const none = await pool("nopool", "sign-in", { username: "zed", password: PASSWORD });
    assert.equal(none.status, 404);
    assert.equal(await errorCode(none), "USER_POOL_NOT_FOUND");
  });
});
