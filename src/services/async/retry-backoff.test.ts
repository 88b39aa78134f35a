import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retryDelayMs } from "./retry-backoff.ts";

const policy = { baseDelayMs: 1_000, maxDelayMs: 10_000 };

describe("retry backoff", () => {
  it("doubles the nominal delay per retry, with half of it random", () => {
    assert.deepEqual(
      [1, 2, 3].map((retry) => [retryDelayMs(retry, policy, 0), retryDelayMs(retry, policy, 0.999_999)]),
      [
        [500, 1_000],
        [1_000, 2_000],
        [2_000, 4_000],
      ],
    );
  });

  it("never exceeds the maximum delay", () => {
    assert.equal(retryDelayMs(10, policy, 0.999_999), 10_000);
    assert.equal(retryDelayMs(10, policy, 0), 5_000);
  });
});
