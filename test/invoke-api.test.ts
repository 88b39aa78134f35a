// The Lambda Invoke API through the official AWS SDK (@aws-sdk/client-lambda) as the client,
// signing with SigV4 by Nimbus access keys, against the real server.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from "@aws-sdk/client-lambda";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";
import { type CreatedAccessKey, createAccessKey } from "./identity-helpers.ts";
import { lambdaClient } from "./lambda-helpers.ts";

const INVOKE_ALL = [{ effect: "allow", actions: ["functions:Invoke"], resources: ["nrn:*:function/*"] }];

const text = (output: InvokeCommandOutput) =>
  Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8");
const payloadOf = (output: InvokeCommandOutput) => JSON.parse(text(output));
const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

async function rejection(
  promise: Promise<unknown>,
): Promise<{ name: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; $metadata: { httpStatusCode?: number } };
  }
  assert.fail("expected the SDK to throw");
}

describe("the Lambda Invoke API with the AWS SDK", () => {
  let nimbus: TestPlatform;
  let key: CreatedAccessKey;
  let lambda: LambdaClient;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "invoke-lab") });
    key = await createAccessKey(nimbus, "sdk", INVOKE_ALL);
    lambda = lambdaClient(nimbus, "invoke-lab", key);
  });
  after(async () => {
    lambda?.destroy();
    await nimbus?.stop();
  });

  it("RequestResponse: the payload in, the function's JSON out, with the executed version", async () => {
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: "echo", Payload: encode({ order: 7 }) }),
    );
    assert.equal(output.StatusCode, 200);
    assert.equal(output.FunctionError, undefined);
    assert.equal(output.ExecutedVersion, "1");
    assert.deepEqual(payloadOf(output), { event: { order: 7 }, version: "1", clientContext: null });
    // A fetch-style function gets the payload as the body of a POST /.
    const page = await lambda.send(new InvokeCommand({ FunctionName: "page", Payload: encode("hi") }));
    assert.equal(text(page), 'page got "hi"');
  });

  it("passes the client context to the function", async () => {
    const ClientContext = Buffer.from(JSON.stringify({ custom: { tenant: "acme" } })).toString("base64");
    const output = await lambda.send(new InvokeCommand({ FunctionName: "echo", ClientContext }));
    assert.deepEqual(payloadOf(output).clientContext, { custom: { tenant: "acme" } });
  });

  it("LogType Tail: the call's log, framed by START/END/REPORT, base64 in LogResult", async () => {
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: "echo", LogType: "Tail", Payload: encode({ marker: "tail-me" }) }),
    );
    const log = Buffer.from(output.LogResult ?? "", "base64").toString("utf8");
    assert.match(log, /^START RequestId: \S+ Version: 1\n/);
    assert.match(log, /echo got \{"marker":"tail-me"\}/);
    assert.match(
      log,
      /\nEND RequestId: \S+\nREPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB/,
    );
    assert.ok(Buffer.byteLength(log) <= 4096);
  });

  it("X-Amz-Function-Error: Handled for a throw (its type, message and stack), Unhandled for a timeout", async () => {
    const handled = await lambda.send(new InvokeCommand({ FunctionName: "fail" }));
    assert.equal(handled.StatusCode, 200);
    assert.equal(handled.FunctionError, "Handled");
    const error = payloadOf(handled);
    assert.equal(error.errorType, "TypeError");
    assert.equal(error.errorMessage, "the order has no items");
    assert.ok(
      Array.isArray(error.stackTrace) &&
        error.stackTrace.some((frame: string) => frame.includes("lambda.ts")),
    );
    const unhandled = await lambda.send(new InvokeCommand({ FunctionName: "slow" }));
    assert.equal(unhandled.FunctionError, "Unhandled");
    assert.equal(payloadOf(unhandled).errorType, "Sandbox.Timedout");
  });

  it("Event: 202 at once, the call runs after (queued durably)", async () => {
    const marker = `event-${Date.now()}`;
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: "echo", InvocationType: "Event", Payload: encode({ marker }) }),
    );
    assert.equal(output.StatusCode, 202);
    await waitFor(async () => {
      const { lines } = await json<{ lines: { message: string }[] }>(
        nimbus.admin("/apps/invoke-lab/logs?function=echo"),
      );
      return lines.some((line) => line.message.includes(marker));
    }, "the queued call to run");
  });

  it("DryRun: 204 when the function exists and the caller may invoke it; nothing runs", async () => {
    const before = await json<{ invocations: unknown[] }>(
      nimbus.admin("/apps/invoke-lab/invocations?function=page"),
    );
    const output = await lambda.send(new InvokeCommand({ FunctionName: "page", InvocationType: "DryRun" }));
    assert.equal(output.StatusCode, 204);
    const afterDryRun = await json<{ invocations: unknown[] }>(
      nimbus.admin("/apps/invoke-lab/invocations?function=page"),
    );
    assert.equal(afterDryRun.invocations.length, before.invocations.length);
  });

  it("Qualifier: $LATEST, the version number and ARNs work; an unknown one is ResourceNotFoundException", async () => {
    for (const target of [
      { FunctionName: "echo", Qualifier: "$LATEST" },
      { FunctionName: "echo", Qualifier: "1" },
      { FunctionName: "echo:1" },
      { FunctionName: "arn:aws:lambda:local:000000000000:function:echo:$LATEST" },
      { FunctionName: "000000000000:function:echo" },
    ]) {
      const output = await lambda.send(new InvokeCommand(target));
      assert.equal(output.StatusCode, 200, JSON.stringify(target));
      assert.equal(output.ExecutedVersion, "1");
    }
    const unknownQualifier = await rejection(
      lambda.send(new InvokeCommand({ FunctionName: "echo", Qualifier: "nope" })),
    );
    assert.equal(unknownQualifier.name, "ResourceNotFoundException");
    const unknownFunction = await rejection(lambda.send(new InvokeCommand({ FunctionName: "missing" })));
    assert.equal(unknownFunction.name, "ResourceNotFoundException");
    assert.equal(unknownFunction.$metadata.httpStatusCode, 404);
    const conflicting = await rejection(
      lambda.send(new InvokeCommand({ FunctionName: "echo:1", Qualifier: "2" })),
    );
    assert.equal(conflicting.name, "InvalidParameterValueException");
  });

  it("refuses a bad signature, an unknown or revoked key, no credentials, and a key without the right", async () => {
    const badSecret = lambdaClient(nimbus, "invoke-lab", {
      ...key,
      secretAccessKey: `${key.secretAccessKey}x`,
    });
    const signature = await rejection(badSecret.send(new InvokeCommand({ FunctionName: "echo" })));
    assert.equal(signature.name, "InvalidSignatureException");
    assert.equal(signature.$metadata.httpStatusCode, 403);
    badSecret.destroy();

    const unknown = lambdaClient(nimbus, "invoke-lab", {
      accessKeyId: "NAKAAAAAAAAAAAAAAAAA",
      secretAccessKey: "x",
    });
    assert.equal(
      (await rejection(unknown.send(new InvokeCommand({ FunctionName: "echo" })))).name,
      "UnrecognizedClientException",
    );
    unknown.destroy();

    const anonymous = await fetch(
      `${nimbus.url}/_nimbus/lambda/invoke-lab/2015-03-31/functions/echo/invocations`,
      {
        method: "POST",
        body: "{}",
      },
    );
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");

    const narrow = await createAccessKey(nimbus, "only-page", [
      { effect: "allow", actions: ["functions:Invoke"], resources: ["nrn:invoke-lab:function/page"] },
    ]);
    const limited = lambdaClient(nimbus, "invoke-lab", narrow);
    assert.equal((await limited.send(new InvokeCommand({ FunctionName: "page" }))).StatusCode, 200);
    assert.equal(
      (await rejection(limited.send(new InvokeCommand({ FunctionName: "echo" })))).name,
      "AccessDeniedException",
    );
    const revoked = await nimbus.admin(`/iam/access-keys/${narrow.accessKeyId}`, { method: "DELETE" });
    assert.ok(revoked.ok);
    assert.equal(
      (await rejection(limited.send(new InvokeCommand({ FunctionName: "page" })))).name,
      "UnrecognizedClientException",
    );
    limited.destroy();
  });
});

describe("the Invoke API and custom runtimes", () => {
  let nimbus: TestPlatform;
  let lambda: LambdaClient;

  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(FIXTURES, "custom-lab") });
    lambda = lambdaClient(nimbus, "custom-lab", await createAccessKey(nimbus, "sdk", INVOKE_ALL));
  });
  after(async () => {
    lambda?.destroy();
    await nimbus?.stop();
  });

  it("answers a runtime's own error report as Handled, with its type and stack", async () => {
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: "probe", Payload: encode({ action: "error" }) }),
    );
    assert.equal(output.FunctionError, "Handled");
    assert.deepEqual(payloadOf(output), {
      errorType: "Probe.Failed",
      errorMessage: "the probe failed on purpose",
      stackTrace: ["probe.py line 10", "probe.py line 20"],
    });
  });

  it("hands the client context to the runtime in Lambda-Runtime-Client-Context, and the bytes back as they are", async () => {
    const ClientContext = Buffer.from('{"client":{"app":"mobile"}}').toString("base64");
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: "probe", Payload: encode({ action: "env" }), ClientContext }),
    );
    const answer = payloadOf(output);
    const seen = JSON.parse(answer.body);
    assert.equal(seen.headers["Lambda-Runtime-Client-Context"], '{"client":{"app":"mobile"}}');
    const unhandled = await lambda.send(
      new InvokeCommand({ FunctionName: "probe", Payload: encode({ action: "exit" }) }),
    );
    assert.equal(unhandled.FunctionError, "Unhandled");
    assert.equal(payloadOf(unhandled).errorType, "Runtime.ExitError");
  });
});
