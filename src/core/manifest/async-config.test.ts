import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NimbusError } from "../errors.ts";
import { parseManifest } from "./parse.ts";

function problemsOf(manifest: string): string[] {
  try {
    parseManifest(manifest);
  } catch (error) {
    assert.ok(error instanceof NimbusError);
    assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
    return (error.details as { problems: { path: string; message: string }[] }).problems.map(
      (problem) => `${problem.path}: ${problem.message}`,
    );
  }
  return [];
}

const withDestination = (destination: string, rest = "") =>
  `app: shop\nfunctions:\n  api:\n    handler: src/api.handler\n    async:\n      onFailure: ${destination}\n${rest}`;

describe("manifest: async destinations", () => {
  it("takes a queue, a function or a topic of the app", () => {
    const config = parseManifest(withDestination("{ topic: outcomes }", "topics:\n  outcomes: {}\n"));
    assert.deepEqual(config.functions.api?.async?.onFailure, { topic: "outcomes" });
    assert.deepEqual(problemsOf(withDestination("{ function: api }")), []);
  });

  it("refuses destinations the app does not declare", () => {
    assert.deepEqual(problemsOf(withDestination("{ topic: nowhere }")), [
      'functions.api.async.onFailure: no topic "nowhere" is declared in topics',
    ]);
    assert.deepEqual(problemsOf(withDestination("{ queue: nowhere }")), [
      'functions.api.async.onFailure: no queue "nowhere" is declared in queues',
    ]);
  });
});
