// Route authorizers through the real gateway: jwt (the app's pool and an issuer reached by
// URL), iam, apiKey with usage plans, and authorizer functions with cached decisions; the
// verified identity reaches Lambda-style and fetch-style handlers.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { createAccessKey, errorCode } from "./identity-helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-routes-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const PASSWORD = "correct horse battery";

interface Answer {
  path?: string;
  authorizer: Record<string, Record<string, unknown>> | null;
}

function claimsOf(answer: Answer): Record<string, unknown> {
  return (answer.authorizer?.jwt?.claims ?? {}) as Record<string, unknown>;
}

function variant(name: string, edit: (manifest: string) => string): string {
  const dir = join(root, name);
  cpSync(join(FIXTURES, "identity-routes"), dir, { recursive: true });
  const manifest = join(dir, "nimbus.yaml");
  writeFileSync(manifest, edit(readFileSync(manifest, "utf8")));
  return dir;
}

async function signIn(nimbus: TestPlatform, username: string): Promise<string> {
  const response = await fetch(`${nimbus.url}/_nimbus/apps/gate/userpool/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

describe("route authorizers", () => {
  let nimbus: TestPlatform;
  let env: NodeJS.ProcessEnv;
  let reader: string;
  let editor: string;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${nimbus.url}${path}`, { headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "identity-routes") });
    env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
    for (const [name, group] of [
      ["reader", undefined],
      ["editor", "editors"],
    ] as const) {
      const args = ["users", "create", name, PASSWORD, "--app", "gate", ...(group ? ["--group", group] : [])];
      assert.equal((await runCli(args, env)).code, 0);
    }
    reader = await signIn(nimbus, "reader");
    editor = await signIn(nimbus, "editor");
  });
  after(() => nimbus?.stop());

  it("leaves routes without auth open", async () => {
    assert.deepEqual(await json(get("/open")), { path: "/open", authorizer: null });
  });

  it("jwt: needs a valid token of the app's pool, and hands its claims to Lambda and fetch handlers", async () => {
    const missing = await get("/jwt");
    assert.equal(missing.status, 401);
    assert.equal(await errorCode(missing), "CREDENTIALS_INVALID");
    const lambda = await json<Answer>(get("/jwt", bearer(reader)));
    assert.equal(claimsOf(lambda).sub, decodeJwt(reader).sub);
    assert.deepEqual(lambda.authorizer?.jwt?.scopes, ["read"]);
    const fetchStyle = await json<Answer>(get("/fetch/jwt", bearer(reader)));
    assert.equal(claimsOf(fetchStyle).username, "reader");
  });

  it("jwt: refuses tampered, alg none, wrong-audience tokens; checks scopes and groups", async () => {
    const [header, payload, signature] = reader.split(".") as [string, string, string];
    const claims = decodeJwt(reader);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const tampered = `${header}.${encode({ ...claims, scope: "read write" })}.${signature}`;
    const algNone = `${encode({ alg: "none", typ: "JWT" })}.${payload}.`;
    for (const token of [tampered, algNone, "not-a-jwt"]) {
      assert.equal((await get("/scoped", bearer(token))).status, 401, token.slice(0, 20));
    }
    const wrongAudience = await get("/other-audience", bearer(reader));
    assert.equal(wrongAudience.status, 401);
    assert.match(
      ((await wrongAudience.json()) as { error: { message: string } }).error.message,
      /"aud" claim/,
    );
    const noScope = await get("/scoped", bearer(reader));
    assert.equal(noScope.status, 403);
    assert.equal(await errorCode(noScope), "ACCESS_DENIED");
    assert.equal((await get("/scoped", bearer(editor))).status, 200);
    assert.equal((await get("/editors", bearer(reader))).status, 403);
    assert.equal((await get("/editors", bearer(editor))).status, 200);
  });

  it("jwt: verifies tokens of an issuer given by URL, fetching its JWKS", async () => {
    const issuer = `${nimbus.url}/_nimbus/apps/gate/userpool`;
    await nimbus.deploy(
      variant("external", (manifest) =>
        manifest.replace(
          "      - http: GET /open\n",
          `      - http: GET /open\n      - http: { route: GET /external, auth: { jwt: { issuer: "${issuer}", audience: gate } } }\n`,
        ),
      ),
    );
    const answer = await json<Answer>(get("/external", bearer(reader)));
    assert.equal(claimsOf(answer).iss, issuer);
    assert.equal((await get("/external", bearer(`${reader.slice(0, -4)}AAAA`))).status, 401);
  });

  it("iam: needs Nimbus credentials allowed http:Invoke on the method and path", async () => {
    assert.equal((await get("/signed/anything")).status, 401);
    const key = await createAccessKey(nimbus, "uploader", [
      { actions: ["http:Invoke"], resources: ["nrn:gate:route/GET/signed/photos/*"] },
    ]);
    const allowed = await json<Answer>(get("/signed/photos/a.jpg", { authorization: key.authorization }));
    assert.deepEqual(allowed.authorizer?.iam, {
      principal: `accesskey/${key.accessKeyId}`,
      type: "access-key",
      accessKeyId: key.accessKeyId,
    });
    const otherPath = await get("/signed/secret/a.jpg", { authorization: key.authorization });
    assert.equal(otherPath.status, 403);
    assert.match(
      ((await otherPath.json()) as { error: { message: string } }).error.message,
      /http:Invoke on nrn:gate:route\/GET\/signed\/secret\/a\.jpg/,
    );
    // A user of the pool without a role for it is refused too.
    assert.equal((await get("/signed/photos/a.jpg", bearer(reader))).status, 403);
  });

  it("function: asks the authorizer function, caches its decision per identity, passes its context", async () => {
    assert.equal((await get("/custom")).status, 401, "no identity source, no call");
    const first = await json<Answer>(get("/custom", { authorization: "let-me-in" }));
    assert.equal(first.authorizer?.lambda?.user, "from-authz");
    assert.equal(first.authorizer?.lambda?.type, "REQUEST");
    assert.equal(first.authorizer?.lambda?.route, "GET /custom");
    const second = await json<Answer>(get("/custom", { authorization: "let-me-in" }));
    assert.equal(
      second.authorizer?.lambda?.calls,
      first.authorizer?.lambda?.calls,
      "the second decision came from the cache",
    );
    const refused = await get("/custom", { authorization: "nope" });
    assert.equal(refused.status, 403);
    assert.equal(await errorCode(refused), "ACCESS_DENIED");
  });

  it("apiKey: needs an active key of the app; usage plans limit its rate and its quota (429)", async () => {
    const create = async (plan?: string) => {
      const result = await runCli(
        [
          "keys",
          "create",
          "--name",
          `k-${plan ?? "free"}`,
          "--app",
          "gate",
          "--json",
          ...(plan ? ["--plan", plan] : []),
        ],
        env,
      );
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as { id: string; value: string };
    };
    assert.equal((await get("/keyed")).status, 401);
    assert.equal((await get("/keyed", { "x-api-key": "napi_unknown" })).status, 401);
    const unlimited = await create();
    const answer = await json<Answer>(get("/keyed", { "x-api-key": unlimited.value }));
    assert.deepEqual(answer.authorizer?.apiKey, { id: unlimited.id, name: "k-free" });

    const tiny = await create("tiny");
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await get("/keyed", { "x-api-key": tiny.value });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    assert.deepEqual(statuses, [200, 200, 429], "a burst of 2, then one per 10 seconds");
    assert.equal(await errorCode(limited as Response), "RATE_LIMITED");
    assert.ok(Number((limited as Response).headers.get("retry-after")) >= 1);

    const daily = await create("three-a-day");
    for (let attempt = 0; attempt < 3; attempt++)
      assert.equal((await get("/keyed", { "x-api-key": daily.value })).status, 200);
    const over = await get("/keyed", { "x-api-key": daily.value });
    assert.equal(over.status, 429);
    assert.equal(await errorCode(over), "QUOTA_EXCEEDED");
    assert.ok(Number(over.headers.get("retry-after")) > 0);
    const listing = await runCli(["keys", "ls", "--app", "gate"], env);
    assert.match(
      listing.stdout,
      new RegExp(`${daily.id} {2}k-three-a-day {2}three-a-day {2}active {2}3/3 until`),
    );
    assert.ok(!listing.stdout.includes(daily.value), "values are never listed");

    assert.equal((await runCli(["keys", "revoke", unlimited.id, "--app", "gate"], env)).code, 0);
    assert.equal((await get("/keyed", { "x-api-key": unlimited.value })).status, 401);
    const unknownPlan = await runCli(
      ["keys", "create", "--name", "x", "--plan", "gold", "--app", "gate"],
      env,
    );
    assert.match(unknownPlan.stderr, /no usage plan "gold"; it has tiny, three-a-day \[BAD_REQUEST\]/);
  });

  it("refuses a manifest whose jwt route has no issuer and no pool, or names a missing authorizer", async () => {
    const noPool = variant("no-pool", (manifest) => manifest.replace(/userPool:\n( {2}.*\n)+/, ""));
    await assert.rejects(
      nimbus.deploy(noPool),
      /a jwt authorizer without an issuer uses the app's user pool/,
    );
    const noAuthorizer = variant("no-authorizer", (manifest) =>
      manifest.replace("name: authz", "name: missing"),
    );
    await assert.rejects(
      nimbus.deploy(noAuthorizer),
      /the authorizer function "missing" is not a function of this app/,
    );
  });
});

describe("route authorizers: expired tokens", () => {
  it("refuses a pool's access token once it expired", async () => {
    const nimbus = await startTestPlatform({
      appDir: variant("short", (manifest) =>
        manifest.replace("  scopes: [read]\n", "  scopes: [read]\n  tokens: { access: 1s }\n"),
      ),
    });
    try {
      const env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
      assert.equal((await runCli(["users", "create", "brief", PASSWORD, "--app", "gate"], env)).code, 0);
      const token = await signIn(nimbus, "brief");
      const expired = await waitFor(async () => {
        const response = await fetch(`${nimbus.url}/jwt`, { headers: { authorization: `Bearer ${token}` } });
        return response.status === 401 && response;
      }, "the 1-second token to expire");
      assert.match(((await expired.json()) as { error: { message: string } }).error.message, /it expired/);
    } finally {
      await nimbus.stop();
    }
  });
});
