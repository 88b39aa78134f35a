// IAM through the real server: deny by default, every operation guarded (the enumeration
// test), access keys with their own policies, and `nimbus iam explain`.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { FIXTURES, json } from "./helpers.ts";
import { type CreatedAccessKey, call, createAccessKey, errorCode, fillPath } from "./identity-helpers.ts";

interface OperationInfo {
  method: string;
  url: string;
  action: string | undefined;
  public: string | undefined;
}

const root = mkdtempSync(join(tmpdir(), "nimbus-iam-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("IAM: every operation is guarded", () => {
  let nimbus: TestPlatform;
  let noRights: CreatedAccessKey;
  let operations: OperationInfo[];

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "identity-iam") });
    noRights = await createAccessKey(nimbus, "no rights", []);
    operations = (await json<{ operations: OperationInfo[] }>(nimbus.admin("/iam/operations"))).operations;
  });
  after(() => nimbus?.stop());

  it("lists the operations, each with a known action or a reason to be public", () => {
    assert.ok(operations.length >= 15, `only ${operations.length} operations`);
    for (const op of operations) {
      assert.ok(op.action !== undefined || op.public !== undefined, `${op.method} ${op.url} is not guarded`);
    }
    const deploy = operations.find((op) => op.method === "POST" && op.url === "/_nimbus/deployments");
    assert.equal(deploy?.action, "deployments:CreateDeployment");
    const publicOnes = operations
      .filter((op) => op.public !== undefined)
      .map((op) => `${op.method} ${op.url}`);
    for (const url of publicOnes) {
      // Public operations are only the probes, the key sets, what end users call to sign in, and
      // object URLs that check a presigned signature or a public-read bucket themselves.
      assert.match(
        url,
        /\/health$|jwks\.json$|openid-configuration$|\/userpool\/|\/buckets\/:bucket\/public\/\*$/,
        `${url} is public`,
      );
    }
  });

  it("refuses every guarded operation to a principal without rights (403), and to no one (401)", async () => {
    const values = { app: "idtest", fn: "reader", id: "some-id", username: "ada", "*": "db/password" };
    const refused: string[] = [];
    for (const op of operations.filter((candidate) => candidate.action !== undefined)) {
      const path = fillPath(op.url, values);
      const body = op.method === "POST" || op.method === "PUT" ? {} : undefined;
      const denied = await call(nimbus, op.method, path, noRights.authorization, body);
      const code = await errorCode(denied);
      if (denied.status !== 403 || code !== "ACCESS_DENIED")
        refused.push(`${op.method} ${path}: ${denied.status} ${code}`);
      const anonymous = await call(nimbus, op.method, path, undefined, body);
      if (anonymous.status !== 401)
        refused.push(`${op.method} ${path} without credentials: ${anonymous.status}`);
      if (op.method === "GET") {
        const head = await call(nimbus, "HEAD", path, noRights.authorization);
        if (head.status !== 403) refused.push(`HEAD ${path}: ${head.status}`);
      }
    }
    assert.deepEqual(refused, []);
  });

  it("names the principal, action, resource and reason in ACCESS_DENIED", async () => {
    const response = await call(
      nimbus,
      "POST",
      "/apps/idtest/functions/reader/invoke",
      noRights.authorization,
      {},
    );
    const body = (await response.json()) as { error: { message: string; details: { outcome: string } } };
    assert.equal(
      body.error.message,
      `accesskey/${noRights.accessKeyId} is not allowed functions:Invoke on nrn:idtest:function/reader: denied: no statement of accesskey/${noRights.accessKeyId} allows it`,
    );
    assert.equal(body.error.details.outcome, "implicit-deny");
  });
});

describe("IAM: access keys with their own policies", () => {
  let nimbus: TestPlatform;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "identity-iam") });
  });
  after(() => nimbus?.stop());

  it("allows exactly what the key's statements allow, with wildcards and an overriding deny", async () => {
    const key = await createAccessKey(nimbus, "operator", [
      { actions: ["functions:Invoke"], resources: ["nrn:idtest:function/reader"] },
      { actions: ["logs:*", "apps:Get*"], resources: ["nrn:idtest:*"] },
      { effect: "deny", actions: ["logs:GetLogs"], resources: ["nrn:idtest:function/nobody"] },
    ]);
    const invoke = (fn: string) =>
      call(nimbus, "POST", `/apps/idtest/functions/${fn}/invoke`, key.authorization, {});
    assert.equal((await invoke("reader")).status, 200);
    assert.equal((await invoke("nobody")).status, 403);
    assert.equal((await call(nimbus, "GET", "/apps/idtest", key.authorization)).status, 200);
    assert.equal(
      (await call(nimbus, "GET", "/apps/idtest/logs?function=reader", key.authorization)).status,
      200,
    );
    const denied = await call(nimbus, "GET", "/apps/idtest/logs?function=nobody", key.authorization);
    assert.equal(denied.status, 403);
    assert.match(
      ((await denied.json()) as { error: { message: string } }).error.message,
      /denied by statement accesskey\/NAK\w+#3/,
    );
    // Another app's resources and cross-app listings are not covered by nrn:idtest:*.
    assert.equal((await call(nimbus, "GET", "/apps", key.authorization)).status, 403);
    assert.equal((await call(nimbus, "GET", "/apps/other", key.authorization)).status, 403);
  });

  it("stops working the moment it is revoked, and never shows its secret in listings", async () => {
    const key = await createAccessKey(nimbus, "short-lived", [{ actions: ["apps:*"], resources: ["*"] }]);
    assert.equal((await call(nimbus, "GET", "/apps", key.authorization)).status, 200);
    const listing = await (await nimbus.admin("/iam/access-keys")).text();
    assert.ok(listing.includes(key.accessKeyId));
    assert.ok(!listing.includes(key.secretAccessKey), "the secret is not listed");
    assert.equal(
      (await nimbus.admin(`/iam/access-keys/${key.accessKeyId}`, { method: "DELETE" })).status,
      204,
    );
    const after = await call(nimbus, "GET", "/apps", key.authorization);
    assert.equal(after.status, 401);
    assert.equal(await errorCode(after), "CREDENTIALS_INVALID");
    const wrongSecret = await call(nimbus, "GET", "/apps", `Bearer ${key.accessKeyId}:nope`);
    assert.equal(wrongSecret.status, 401);
  });

  it("refuses a key whose policy is invalid, listing the problems, and creates nothing", async () => {
    const before = (await json<{ accessKeys: unknown[] }>(nimbus.admin("/iam/access-keys"))).accessKeys
      .length;
    const response = await call(nimbus, "POST", "/iam/access-keys", `Bearer ${nimbus.adminKey}`, {
      name: "bad",
      policy: { statements: [{ actions: ["secrets:GetSecrt"], resources: ["secret/x"] }] },
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "POLICY_INVALID");
    assert.match(body.error.message, /did you mean "secrets:GetSecret"/);
    assert.match(body.error.message, /"secret\/x" is not a resource name/);
    const afterCount = (await json<{ accessKeys: unknown[] }>(nimbus.admin("/iam/access-keys"))).accessKeys
      .length;
    assert.equal(afterCount, before);
  });
});

describe("nimbus iam explain and keys", () => {
  let nimbus: TestPlatform;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "identity-iam") });
    env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
  });
  after(() => nimbus?.stop());

  const explain = (...args: string[]) => runCli(["iam", "explain", ...args], env);

  it("says allowed and names the statement", async () => {
    const result = await explain("function/idtest/reader", "secrets:GetSecret", "secret/db/password");
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^ALLOWED: function\/idtest\/reader secrets:GetSecret on nrn:idtest:secret\/db\/password$/m,
    );
    assert.match(result.stdout, /allowed by statement function\/reader#ReadDb/);
    assert.match(result.stdout, /statement: allow secrets:GetSecret on nrn:idtest:secret\/db\/\*/);
  });

  it("says denied by an explicit deny, which wins over the allow", async () => {
    const result = await explain("function/idtest/reader", "secrets:GetSecret", "secret/db/root");
    assert.match(result.stdout, /^DENIED: /m);
    assert.match(result.stdout, /denied by statement function\/reader#NeverTheRootPassword/);
  });

  it("says denied when no statement matched: a function without permissions reaches nothing", async () => {
    const result = await explain("function/idtest/nobody", "secrets:GetSecret", "secret/db/password");
    assert.match(result.stdout, /^DENIED: function\/idtest\/nobody/m);
    assert.match(result.stdout, /the principal has no policy|no statement of function\/nobody allows it/);
    const json = JSON.parse(
      (await explain("function/idtest/nobody", "functions:Invoke", "function/reader", "--json")).stdout,
    );
    assert.deepEqual([json.allowed, json.outcome, json.statement], [false, "implicit-deny", undefined]);
  });

  it("evaluates conditions against the context given", async () => {
    const own = await explain(
      "function/idtest/reader",
      "tables:GetItem",
      "table/orders",
      "--context",
      "tables:partitionKey=reader",
    );
    assert.match(own.stdout, /^ALLOWED/m);
    const other = await explain(
      "function/idtest/reader",
      "tables:GetItem",
      "table/orders",
      "--context",
      "tables:partitionKey=nobody",
    );
    assert.match(other.stdout, /^DENIED/m);
  });

  it("explains access keys, and refuses unknown actions and principals with a clear error", async () => {
    const key = await createAccessKey(nimbus, "explained", [
      { actions: ["buckets:PutObject"], resources: ["nrn:idtest:bucket/photos/*"] },
    ]);
    const allowed = await explain(
      `accesskey/${key.accessKeyId}`,
      "buckets:PutObject",
      "nrn:idtest:bucket/photos/a.jpg",
    );
    assert.match(allowed.stdout, /^ALLOWED/m);
    const typo = await explain("admin", "buckets:PutObjet", "*");
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /did you mean "buckets:PutObject"\? \[BAD_REQUEST\]/);
    const nobody = await explain("function/idtest/missing", "apps:GetApp", "app");
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /No principal function\/idtest\/missing/);
  });

  it("creates, lists and revokes access keys from the CLI, and uses one as credentials", async () => {
    const created = await runCli(
      [
        "iam",
        "keys",
        "create",
        "--name",
        "ci",
        "--policy",
        '{"statements":[{"actions":"apps:*","resources":"*"}]}',
        "--json",
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; secretAccessKey: string };
    const asKey = { ...env, NIMBUS_ADMIN_KEY: `${key.accessKeyId}:${key.secretAccessKey}` };
    const apps = await runCli(["ls"], asKey);
    assert.equal(apps.code, 0, apps.stderr);
    assert.match(apps.stdout, /idtest/);
    const refused = await runCli(["iam", "keys", "ls"], asKey);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not allowed iam:ListAccessKeys .* \[ACCESS_DENIED\]/);
    const listed = await runCli(["iam", "keys", "ls"], env);
    assert.match(listed.stdout, new RegExp(`${key.accessKeyId} {2}ci {2}active`));
    assert.ok(!listed.stdout.includes(key.secretAccessKey));
    assert.equal((await runCli(["iam", "keys", "revoke", key.accessKeyId], env)).code, 0);
    const revoked = await runCli(["ls"], asKey);
    assert.match(revoked.stderr, /\[CREDENTIALS_INVALID\]/);
  });
});
