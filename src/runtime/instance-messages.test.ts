import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readInstanceMessage } from "./instance-messages.ts";

const result = { status: 200, headers: [["content-type", "text/plain"]], body: new Uint8Array([104, 105]) };

describe("readInstanceMessage", () => {
  it("accepts the messages the shim sends", () => {
    const messages = [
      { type: "stem-ready" },
      { type: "specialized", initDurationMs: 3.2 },
      { type: "init-error", code: "HANDLER_NOT_FOUND", error: { name: "E", message: "m" } },
      { type: "result", requestId: "r", result, maxRssKb: 60_000 },
      {
        type: "invoke-error",
        requestId: "r",
        code: "FUNCTION_ERROR",
        error: { name: "E", message: "m", stack: "s" },
        maxRssKb: 1,
      },
    ];
    for (const message of messages) assert.equal(readInstanceMessage(message), message);
  });

  it("refuses what function code could forge with process.send", () => {
    const forged: unknown[] = [
      null,
      "result",
      { type: "result", requestId: "r", maxRssKb: 1, result: { ...result, body: "not bytes" } },
      { type: "result", requestId: "r", maxRssKb: 1, result: { ...result, headers: [["a", 1]] } },
      { type: "result", requestId: 7, maxRssKb: 1, result },
      {
        type: "invoke-error",
        requestId: "r",
        code: "INTERNAL",
        error: { name: "E", message: "m" },
        maxRssKb: 1,
      },
      { type: "init-error", code: "FUNCTION_INIT_ERROR", error: "boom" },
      { type: "something-else" },
    ];
    for (const message of forged)
      assert.equal(readInstanceMessage(message), undefined, JSON.stringify(message));
  });
});
