// Triggers and async invocations at an alias or a version, through the real server: a queue
// trigger on `live` keeps calling the old version after a redeploy until the alias moves; a
// topic subscription pinned to a version keeps it active; async invocations (the HTTP API and
// the Lambda Invoke API's Event type with a Qualifier) are stored with their qualifier and run
// its version; a bad qualifier in the manifest is refused.
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

// Prints which version ran each message, event or payload: "ran <marker> v<version> <code>".
const HANDLER = `export const handler = async (event) => {
  const markers = event.Records
    ? event.Records.map((record) => record.body)
    : [event.marker ?? event.detail?.marker ?? event.data?.marker];
  for (const marker of markers)
    console.log(\`ran \${marker} v\${process.env.AWS_LAMBDA_FUNCTION_VERSION} \${process.env.CODE}\`);
  return { ok: true };
};
`;

function writeApp(dir: string, code: string, qualifier = "live"): string {
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src", "worker.mjs"), HANDLER);
  writeFileSync(
    join(dir, "nimbus.yaml"),
    [
      "app: pinned",
      "queues:",
      "  jobs: {}",
      "topics:",
      "  orders:",
      "    subscriptions:",
      "      - { function: worker, qualifier: 1 }",
      "functions:",
      "  worker:",
      "    handler: src/worker.handler",
      "    keepWarm: 10m",
      `    env: { CODE: ${code} }`,
      "    events:",
      `      - queue: { name: jobs, qualifier: ${qualifier} }`,
      "",
    ].join("\n"),
  );
  return dir;
}

interface AsyncRecord {
  id: string;
  payload: string;
  qualifier?: string;
  status: string;
  attempts: { outcome: string; version?: string }[];
}

describe("triggers and async invocations at an alias or version", () => {
  let nimbus: TestPlatform;
  let dir: string;
  const admin = (path: string, method = "GET", body?: unknown) =>
    nimbus.admin(path, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
  /** The version that ran `marker`, once its log line is written. */
  const ranBy = (marker: string) =>
    waitFor(async () => {
      const { lines } = await json<{ lines: { message: string }[] }>(
        admin("/apps/pinned/logs?function=worker&limit=1000"),
      );
      const line = lines.find((candidate) => candidate.message.includes(`ran ${marker} `));
      return line?.message.split(" ").slice(2).join(" ");
    }, `the call for ${marker}`);
  const sendToQueue = async (marker: string) => {
    const response = await admin("/apps/pinned/queues/jobs/messages", "POST", {
      entries: [{ body: marker }],
    });
    assert.ok(response.ok, await response.text());
  };
  const finished = (id: string) =>
    waitFor(async () => {
      const record = await json<AsyncRecord>(admin(`/async-invocations/${id}`));
      return record.status === "succeeded" || record.status === "failed" ? record : undefined;
    }, `async invocation ${id}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nimbus-trigger-qualifiers-"));
    nimbus = await startTestPlatform({ appDir: writeApp(dir, "one") });
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a queue trigger on an alias keeps calling its version after a redeploy until the alias moves", async () => {
    await sendToQueue("q1");
    assert.equal(await ranBy("q1"), "v1 one", "the alias was created on the first version");
    await nimbus.deploy(writeApp(dir, "two"));
    await sendToQueue("q2");
    assert.equal(await ranBy("q2"), "v1 one", "the redeploy left the alias where it was");
    const moved = await admin("/apps/pinned/functions/worker/aliases/live", "PUT", { version: 2 });
    assert.equal(moved.status, 200, await moved.clone().text());
    await sendToQueue("q3");
    assert.equal(await ranBy("q3"), "v2 two");
  });

  it("a topic subscription pinned to a version keeps it active and runs it", async () => {
    const response = await admin("/apps/pinned/topics/orders/events", "POST", {
      specversion: "1.0",
      id: "evt-pinned-1",
      source: "/test",
      type: "order.created",
      datacontenttype: "application/json",
      data: { marker: "t1" },
    });
    assert.equal(response.status, 202, await response.clone().text());
    assert.equal(await ranBy("t1"), "v1 one");
  });

  it("an async invocation with a qualifier (HTTP API, CLI) runs that version and records it", async () => {
    const accepted = await json<{ invocationId: string }>(
      nimbus.admin("/apps/pinned/functions/worker/invoke-async?qualifier=1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ marker: "a1" }),
      }),
    );
    const record = await finished(accepted.invocationId);
    assert.equal(record.qualifier, "1");
    assert.equal(record.status, "succeeded");
    assert.equal(record.attempts[0]?.version, "1", "the attempt shows the version that ran");
    assert.equal(await ranBy("a1"), "v1 one");
    const unqualified = await json<{ invocationId: string }>(
      nimbus.admin("/apps/pinned/functions/worker/invoke-async", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ marker: "a2" }),
      }),
    );
    const latest = await finished(unqualified.invocationId);
    assert.equal(latest.qualifier, undefined);
    assert.equal(latest.attempts[0]?.version, "2");
    const unknown = await admin("/apps/pinned/functions/worker/invoke-async?qualifier=nope", "POST", {});
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.code, "ALIAS_NOT_FOUND");
    const bad = await admin("/apps/pinned/functions/worker/invoke-async?qualifier=bad%20name", "POST", {});
    assert.equal(bad.status, 400);
    const flags = ["--url", nimbus.url, "--admin-key", nimbus.adminKey, "--app", "pinned"];
    const cli = await runCli([
      "invoke",
      "worker",
      "--async",
      "--qualifier",
      "1",
      "-d",
      '{"marker":"c1"}',
      ...flags,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(await ranBy("c1"), "v1 one");
  });

  it("a Lambda Invoke API Event call with a Qualifier is stored durably and runs that version", async () => {
    const lambda = await invokingLambdaClient(nimbus, "pinned");
    try {
      // live points at version 2 now; version 1 is called by number.
      const output = await lambda.send(
        new InvokeCommand({
          FunctionName: "worker",
          Qualifier: "1",
          InvocationType: "Event",
          Payload: Buffer.from(JSON.stringify({ marker: "e1" })),
        }),
      );
      assert.equal(output.StatusCode, 202);
      assert.equal(await ranBy("e1"), "v1 one");
      const { invocations } = await json<{ invocations: AsyncRecord[] }>(
        admin("/apps/pinned/async-invocations?function=worker"),
      );
      const stored = invocations.find((record) => record.payload.includes('"e1"'));
      assert.ok(stored, "the Event call went through the durable async service");
      assert.equal(stored.qualifier, "1");
      const done = await finished(stored.id);
      assert.equal(done.attempts.at(-1)?.version, "1");
    } finally {
      lambda.destroy();
    }
  });

  it("refuses a bad qualifier in the manifest with a clear error, and changes nothing", async () => {
    const broken = mkdtempSync(join(tmpdir(), "nimbus-trigger-qualifiers-bad-"));
    try {
      await assert.rejects(nimbus.deploy(writeApp(broken, "three", '"not valid!"')), (error: Error) => {
        assert.equal((error as Error & { code?: string }).code, "NIMBUS_MANIFEST_INVALID");
        assert.match(error.message, /functions\.worker\.events\.0\.queue/);
        assert.match(error.message, /alias names are letters, digits, - and _/);
        return true;
      });
      await sendToQueue("q4");
      assert.equal(await ranBy("q4"), "v2 two");
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
