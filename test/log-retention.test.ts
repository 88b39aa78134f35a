// Log retention runs under the "nimbus.log-retention" lease (src/cluster/log-retention.ts):
// a lone node holds it, so its recorder's pruning still happens, and keeps the newest lines.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startTestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json, waitFor } from "./helpers.ts";

interface Line {
  readonly requestId: string;
}

describe("log retention under a lease", () => {
  it("prunes the oldest lines past logRetentionLines on the node holding the lease", async () => {
    const nimbus = await startTestPlatform({
      appDir: join(FIXTURES, "lab"),
      options: { logRetentionLines: 100 },
    });
    try {
      const requestIds: string[] = [];
      for (let i = 0; i < 150; i++) {
        const response = await fetch(`${nimbus.url}/lab/log`); // two lines per call
        assert.equal(response.status, 200);
        requestIds.push(response.headers.get("x-request-id") as string);
      }
      const logs = async () =>
        (await json<{ lines: Line[] }>(nimbus.admin("/apps/lab/logs?function=lab&limit=10000"))).lines;
      // The last call's lines are recorded (the recorder writes every 20 ms).
      await waitFor(
        async () => (await logs()).some((line) => line.requestId === requestIds.at(-1)),
        "the last lines",
      );
      const kept = await logs();
      assert.ok(kept.length < 300, `pruned: ${kept.length} of 300 lines kept`);
      assert.ok(!kept.some((line) => line.requestId === requestIds[0]), "the oldest lines are gone");
    } finally {
      await nimbus.stop();
    }
  });
});
