// The `nimbus` command as a user runs it, against real servers.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { runCli, startServer } from "./cli-helpers.ts";
import { waitFor } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-cli-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("nimbus init, deploy, ls, invoke, logs, invocations, rollback", () => {
  let nimbus: TestPlatform;
  const appDir = join(root, "my-app");
  let env: NodeJS.ProcessEnv;

  before(async () => {
    nimbus = await startTestPlatform();
    env = { NIMBUS_URL: nimbus.url, NIMBUS_ADMIN_KEY: nimbus.adminKey, XDG_CONFIG_HOME: root };
  });
  after(() => nimbus?.stop());

  it("creates a working app from a template", async () => {
    const result = await runCli(["init", appDir]);
    assert.equal(result.code, 0, result.stderr);
    const manifest = readFileSync(join(appDir, "nimbus.yaml"), "utf8");
    assert.match(manifest, /^app: my-app$/m);
    assert.match(manifest, /\$schema=\/.*schema\/nimbus\.schema\.json/);
    const again = await runCli(["init", appDir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);
  });

  it("deploys, printing the plan", async () => {
    const result = await runCli(["deploy", appDir], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\+ hello \(create\)/);
    assert.match(result.stdout, /Deployed my-app v1/);
    const response = await fetch(`${nimbus.url}/hello/CLI`);
    assert.deepEqual(await response.json(), { message: "Hello, CLI!" });
  });

  it("lists apps and functions, also as JSON", async () => {
    const apps = await runCli(["ls"], env);
    assert.match(apps.stdout, /my-app {2}v1 {2}hello/);
    const fns = await runCli(["ls", "--app", "my-app", "--json"], env);
    const description = JSON.parse(fns.stdout);
    assert.equal(description.functions[0].name, "hello");
    assert.deepEqual(description.functions[0].routes, ["GET /", "GET /hello/{name}"]);
  });

  it("invokes a function and shows its logs and invocations", async () => {
    const invoked = await runCli(["invoke", "hello", "--data", '{"x":1}', "--json"], env);
    assert.equal(invoked.code, 0, invoked.stderr);
    const result = JSON.parse(invoked.stdout);
    assert.equal(result.status, "success");
    assert.deepEqual(JSON.parse(result.body), { message: "Hello, world!" });

    const logs = await waitFor(async () => {
      const output = await runCli(["logs", "hello"], env, appDir);
      return output.stdout.includes("saying hello to world") && output;
    }, "the log line");
    assert.match(logs.stdout, new RegExp(`hello ${result.requestId.slice(0, 8)} saying hello to world`));

    const history = await runCli(["invocations", "hello", "--app", "my-app"], env);
    assert.match(history.stdout, new RegExp(`${result.requestId} hello v1 (cold|warm)`));
  });

  it("rolls back to the previous version", async () => {
    writeFileSync(
      join(appDir, "hello.ts"),
      'export default { fetch: () => Response.json({ message: "changed" }) };\n',
    );
    assert.equal((await runCli(["deploy", appDir], env)).code, 0);
    assert.deepEqual(await (await fetch(`${nimbus.url}/hello/x`)).json(), { message: "changed" });
    const result = await runCli(["rollback", "--app", "my-app"], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /v3 now runs the code of v1/);
    assert.deepEqual(await (await fetch(`${nimbus.url}/hello/x`)).json(), { message: "Hello, x!" });
  });

  it("prints one clear error line with a hint, and exits non-zero", async () => {
    const broken = join(root, "broken");
    assert.equal((await runCli(["init", broken])).code, 0);
    writeFileSync(
      join(broken, "nimbus.yaml"),
      "app: broken\nfunctions:\n  hello:\n    handler: hello.default\n    memroy: 256\n",
    );
    const invalid = await runCli(["deploy", broken], env);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^error: nimbus\.yaml has 1 problem/);
    assert.match(invalid.stderr, /functions\.hello\.memroy: unknown key "memroy"; did you mean "memory"\?/);
    assert.match(invalid.stderr, /\[NIMBUS_MANIFEST_INVALID\]\n {2}hint: /);

    const unreachable = await runCli(["ls", "--url", "http://127.0.0.1:9"], { XDG_CONFIG_HOME: root });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Could not reach the Nimbus server/);
    assert.match(unreachable.stderr, /hint: Start it with 'nimbus dev'/);

    const missing = await runCli(["invoke", "nope", "--app", "my-app", "--json"], env);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stderr).error.code, "FUNCTION_NOT_FOUND");
  });
});

describe("nimbus dev", () => {
  it("serves an app, prints its logs and redeploys on save without failing a request", async () => {
    const appDir = join(root, "dev-app");
    assert.equal((await runCli(["init", appDir])).code, 0);
    const dev = await startServer(["dev", appDir, "--port", "0"], { XDG_CONFIG_HOME: root });
    try {
      await waitFor(() => dev.output().includes("Deployed dev-app v1"), "the first deploy");
      assert.match(dev.output(), /Admin key \(shown once, saved for the CLI\): nk_admin_/);
      const saved = JSON.parse(readFileSync(join(root, "nimbus", "credentials.json"), "utf8"));
      assert.ok(saved.servers[dev.url], "the key is saved for the local CLI");

      assert.deepEqual(await (await fetch(`${dev.url}/hello/dev`)).json(), { message: "Hello, dev!" });
      await waitFor(
        () => dev.output().includes("saying hello to dev"),
        "the function's log line in the terminal",
      );

      let stop = false;
      const failures: number[] = [];
      const load = (async () => {
        while (!stop) {
          const response = await fetch(`${dev.url}/hello/dev`);
          await response.arrayBuffer();
          if (response.status !== 200) failures.push(response.status);
        }
      })();
      writeFileSync(join(appDir, "hello.ts"), 'export default () => Response.json({ message: "saved" });\n');
      await waitFor(async () => {
        const body = await (await fetch(`${dev.url}/hello/dev`)).json();
        return body.message === "saved";
      }, "the saved version to be served");
      stop = true;
      await load;
      assert.deepEqual(failures, []);
      assert.match(dev.output(), /Deployed dev-app v2/);
    } finally {
      await dev.stop();
    }
  });
});
