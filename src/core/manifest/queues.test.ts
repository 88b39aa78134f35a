import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NimbusError } from "../errors.ts";
import { parseManifest } from "./parse.ts";

const FUNCTIONS = "functions:\n  api:\n    handler: src/api.handler\n";

function problemsOf(queues: string): string[] {
  try {
    parseManifest(`app: shop\n${FUNCTIONS}queues:\n${queues}`);
  } catch (error) {
    assert.ok(error instanceof NimbusError);
    assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
    return (error.details as { problems: { path: string; message: string }[] }).problems.map(
      (problem) => `${problem.path}: ${problem.message}`,
    );
  }
  return [];
}

describe("manifest: queues", () => {
  it("normalizes queues with SQS defaults", () => {
    const config = parseManifest(
      `app: shop\n${FUNCTIONS}queues:\n  jobs:\n    visibilityTimeout: 1m\n    deadLetter: { queue: dead, maxReceiveCount: 3 }\n  dead:\n    retention: 14d\n  orders:\n    fifo: true\n`,
    );
    assert.deepEqual(config.queues?.jobs, {
      name: "jobs",
      visibilityTimeoutMs: 60_000,
      retentionMs: 4 * 86_400_000,
      delayMs: 0,
      fifo: false,
      contentBasedDeduplication: false,
      deadLetter: { queue: "dead", maxReceiveCount: 3 },
    });
    assert.equal(config.queues?.dead?.retentionMs, 14 * 86_400_000);
    assert.equal(config.queues?.orders?.fifo, true);
    assert.deepEqual(parseManifest(`app: shop\n${FUNCTIONS}`).queues, {});
  });

  it("refuses dead-letter queues that are missing, the queue itself, or of the other kind", () => {
    assert.deepEqual(problemsOf("  jobs:\n    deadLetter: { queue: nowhere, maxReceiveCount: 3 }\n"), [
      'queues.jobs.deadLetter: no queue "nowhere" is declared in queues',
    ]);
    assert.deepEqual(problemsOf("  jobs:\n    deadLetter: { queue: jobs, maxReceiveCount: 3 }\n"), [
      "queues.jobs.deadLetter: a queue cannot be its own dead-letter queue",
    ]);
    assert.deepEqual(
      problemsOf(
        "  jobs:\n    fifo: true\n    deadLetter: { queue: dead, maxReceiveCount: 3 }\n  dead: {}\n",
      ),
      ["queues.jobs.deadLetter: the dead-letter queue must be FIFO exactly when this one is"],
    );
  });

  it("refuses settings outside SQS's limits", () => {
    assert.deepEqual(
      problemsOf("  jobs:\n    visibilityTimeout: 13h\n    delay: 16m\n    retention: 30s\n"),
      [
        "queues.jobs.visibilityTimeout: must be between 0ms and 12h",
        "queues.jobs.delay: must be between 0ms and 15m",
        "queues.jobs.retention: must be between 1m and 14d",
      ],
    );
    assert.deepEqual(problemsOf("  jobs:\n    contentBasedDeduplication: true\n"), [
      "queues.jobs.contentBasedDeduplication: only FIFO queues (fifo: true) have it",
    ]);
    assert.equal(problemsOf("  Bad_Name: {}\n").length, 1);
    assert.equal(
      problemsOf("  jobs:\n    deadLetter: { queue: dead, maxReceiveCount: 0 }\n  dead: {}\n").length,
      1,
    );
  });
  it("checks queue triggers: a declared queue, and a timeout within the visibility timeout", () => {
    const manifest = (events: string, queues: string) =>
      `app: shop\nfunctions:\n  worker:\n    handler: src/w.handler\n    timeout: 40s\n    events:\n${events}queues:\n${queues}`;
    const problems = (events: string, queues: string) => {
      try {
        parseManifest(manifest(events, queues));
        return [];
      } catch (error) {
        return (
          (error as NimbusError).details as { problems: { path: string; message: string }[] }
        ).problems.map((problem) => `${problem.path}: ${problem.message}`);
      }
    };
    assert.deepEqual(problems("      - queue: nope\n", "  jobs: {}\n"), [
      'functions.worker.events.0.queue: no queue "nope" is declared in queues',
    ]);
    assert.deepEqual(problems("      - queue: jobs\n", "  jobs: {}\n"), [
      `functions.worker.events.0.queue: the function's timeout (40s) exceeds queue "jobs"'s visibilityTimeout (30s); raise the visibilityTimeout`,
    ]);
    const config = parseManifest(
      manifest(
        "      - queue: { name: jobs, batchSize: 5, maximumBatchingWindow: 1s }\n",
        "  jobs: { visibilityTimeout: 1m }\n",
      ),
    );
    assert.deepEqual(config.functions.worker?.queueTriggers, [
      { queue: "jobs", batchSize: 5, maximumBatchingWindowMs: 1_000, maxConcurrency: 2 },
    ]);
  });
});
