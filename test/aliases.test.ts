// Function versions and aliases through the real server: versions per deploy, routes through
// an alias, weighted canaries (statistically), instant rollback onto warm instances, the
// Invoke API's qualifiers, and the CLI.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli } from "./cli-helpers.ts";
import { json, waitFor } from "./helpers.ts";
import { invokingLambdaClient } from "./lambda-helpers.ts";

interface Answer {
  code: string;
  version: string;
  pid: number;
}

const HANDLER = `export default {
  async fetch(request, env) {
    return Response.json({ code: env.CODE, version: env.AWS_LAMBDA_FUNCTION_VERSION, pid: process.pid });
  },
};
`;

/** The app with CODE=<code>: a changed env is a changed function, so a new version. */
function writeApp(dir: string, code: string): string {
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src", "api.mjs"), HANDLER);
  writeFileSync(
    join(dir, "nimbus.yaml"),
    [
      "app: canary",
      "functions:",
      "  api:",
      "    handler: src/api.default",
      "    keepWarm: 10m",
      `    env: { CODE: ${code} }`,
      "    events:",
      "      - http: GET /latest",
      "      - http: { route: GET /stable, qualifier: live }",
      "      - http: { route: GET /first, qualifier: 1 }",
      "",
    ].join("\n"),
  );
  return dir;
}

describe("function versions and aliases", () => {
  let nimbus: TestPlatform;
  let dir: string;
  const get = async (path: string): Promise<Answer & { requestId: string }> => {
    const response = await fetch(`${nimbus.url}${path}`);
    assert.equal(response.status, 200, await response.clone().text());
    return {
      ...((await response.json()) as Answer),
      requestId: response.headers.get("x-request-id") as string,
    };
  };
  const admin = (path: string, method = "GET", body?: unknown) =>
    nimbus.admin(path, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
  const setAlias = (body: unknown) => admin("/apps/canary/functions/api/aliases/live", "PUT", body);
  const record = (requestId: string) =>
    waitFor(async () => {
      const response = await nimbus.admin(`/invocations/${requestId}`);
      return response.ok ? ((await response.json()) as { version: string; cold: boolean }) : undefined;
    }, "the invocation record");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nimbus-aliases-"));
    nimbus = await startTestPlatform({ appDir: writeApp(dir, "one") });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("numbers a function's versions per changed deploy; a route's alias starts on the first", async () => {
    const first = await get("/latest");
    assert.deepEqual([first.code, first.version], ["one", "1"]);
    await nimbus.deploy(writeApp(dir, "two"));
    await nimbus.deploy(dir); // unchanged: no new version
    const view = await json<{
      latest: number;
      versions: { version: number }[];
      aliases: { name: string; version: number }[];
    }>(admin("/apps/canary/functions/api/versions"));
    assert.equal(view.latest, 2);
    assert.deepEqual(
      view.versions.map((version) => version.version),
      [2, 1],
    );
    assert.deepEqual(
      view.aliases.map((alias) => [alias.name, alias.version]),
      [["live", 1]],
    );
    const latest = await get("/latest");
    const stable = await get("/stable");
    const pinned = await get("/first");
    assert.deepEqual([latest.code, latest.version], ["two", "2"]);
    assert.deepEqual([stable.code, stable.version], ["one", "1"], "the alias stays until it is moved");
    assert.deepEqual([pinned.code, pinned.version], ["one", "1"]);
    assert.equal((await record(latest.requestId)).version, "2", "records show the version that served");
    assert.equal((await record(stable.requestId)).version, "1");
  });

  it("moves an alias at once, and rolls it back onto the old version's warm instances", async () => {
    const before = await get("/stable");
    assert.equal(before.version, "1");
    const moved = await setAlias({ version: 2 });
    assert.equal(moved.status, 200);
    assert.deepEqual((await moved.json()).alias.previousVersion, 1);
    assert.equal((await get("/stable")).version, "2");
    const rolledBack = await admin("/apps/canary/functions/api/aliases/live/rollback", "POST");
    assert.equal((await rolledBack.json()).alias.version, 1);
    const after = await get("/stable");
    assert.equal(after.version, "1");
    assert.equal(after.pid, before.pid, "the old version's instance was kept warm");
    assert.equal((await record(after.requestId)).cold, false);
  });

  it("splits calls by the canary's weight (90/10, within a bounded tolerance)", async () => {
    assert.equal((await setAlias({ version: 1, canary: { version: 2, weight: 0.1 } })).status, 200);
    const calls = 400;
    let canary = 0;
    for (let call = 0; call < calls; call++) if ((await get("/stable")).version === "2") canary++;
    // Binomial(400, 0.1): mean 40, standard deviation 6; ±5 deviations fails ~1 run in 10^6.
    assert.ok(canary >= 10 && canary <= 70, `${canary} of ${calls} calls went to the canary`);
    // Rolling back an alias with a canary sends everything to its version again.
    await admin("/apps/canary/functions/api/aliases/live/rollback", "POST");
    for (let call = 0; call < 30; call++) assert.equal((await get("/stable")).version, "1");
  });

  it("refuses bad alias changes with clear errors, and changes nothing", async () => {
    const code = async (response: Response) =>
      ((await response.json()) as { error: { code: string } }).error.code;
    assert.equal(await code(await setAlias({ version: 9 })), "FUNCTION_VERSION_NOT_FOUND");
    assert.equal(
      await code(await setAlias({ version: 1, canary: { version: 2, weight: 1.5 } })),
      "BAD_REQUEST",
    );
    assert.equal(
      await code(await setAlias({ version: 1, canary: { version: 1, weight: 0.5 } })),
      "BAD_REQUEST",
    );
    assert.equal(
      await code(await admin("/apps/canary/functions/api/aliases/beta/rollback", "POST")),
      "ALIAS_NOT_FOUND",
    );
    assert.equal(
      await code(await admin("/apps/canary/functions/api/aliases/123", "PUT", { version: 1 })),
      "BAD_REQUEST",
    );
    assert.equal((await get("/stable")).version, "1", "the alias did not move");
  });

  it("the Invoke API runs a qualifier's version: an alias, or any stored version by number", async () => {
    const lambda = await invokingLambdaClient(nimbus, "canary");
    try {
      const viaAlias = await lambda.send(new InvokeCommand({ FunctionName: "api", Qualifier: "live" }));
      assert.equal(viaAlias.ExecutedVersion, "1");
      const latest = await lambda.send(new InvokeCommand({ FunctionName: "api" }));
      assert.equal(latest.ExecutedVersion, "2");
      await nimbus.deploy(writeApp(dir, "three")); // version 3; version 2 is now referenced by nothing
      const old = await lambda.send(new InvokeCommand({ FunctionName: "api:2" }));
      assert.equal(old.ExecutedVersion, "2");
      assert.equal(JSON.parse(Buffer.from(old.Payload ?? []).toString()).code, "two");
    } finally {
      lambda.destroy();
    }
  });

  it("works from the CLI: versions, alias set with a canary, rollback <fn>", async () => {
    const flags = ["--url", nimbus.url, "--admin-key", nimbus.adminKey, "--app", "canary"];
    const listed = await runCli(["versions", "api", ...flags]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /api v3 .*\[\$LATEST\]/);
    assert.match(listed.stdout, /alias live → 1/);
    const set = await runCli(["alias", "set", "api", "live", "3", "--canary", "1:25", ...flags]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /live → 3 \(75%\), 1 \(25%\)/);
    const rolled = await runCli(["rollback", "api", ...flags]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /live → 3$/m);
    const bad = await runCli(["alias", "set", "api", "live", "3", "--canary", "1:250", ...flags]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--canary takes <version>:<percent>/);
  });
});
