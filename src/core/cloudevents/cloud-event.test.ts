import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NimbusError } from "../errors.ts";
import { fromHttp, toBinary, toEventBridge } from "./cloud-event.ts";

const binaryHeaders = {
  "ce-specversion": "1.0",
  "ce-id": "e-1",
  "ce-source": "/shop",
  "ce-type": "order.created",
  "ce-traceid": "abc",
  "content-type": "application/json",
};

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof NimbusError ? error.code : "not a NimbusError";
  }
  return undefined;
}

describe("CloudEvents", () => {
  it("reads binary mode: attributes from ce-* headers, data from the body", () => {
    const event = fromHttp(binaryHeaders, Buffer.from('{"total":5}'));
    assert.deepEqual(
      [event.id, event.source, event.type, event.data, event.extensions],
      ["e-1", "/shop", "order.created", { total: 5 }, { traceid: "abc" }],
    );
    assert.ok(!Number.isNaN(Date.parse(event.time)), "time is filled in");
  });

  it("reads structured mode and keeps the producer's time", () => {
    const body = JSON.stringify({
      specversion: "1.0",
      id: "e-2",
      source: "/shop",
      type: "order.paid",
      time: "2026-01-02T03:04:05Z",
      subject: "order/7",
      data: { ok: true },
    });
    const event = fromHttp({ "content-type": "application/cloudevents+json" }, Buffer.from(body));
    assert.deepEqual(
      [event.time, event.subject, event.data],
      ["2026-01-02T03:04:05Z", "order/7", { ok: true }],
    );
  });

  it("refuses malformed events with EVENT_INVALID", () => {
    const { "ce-id": _, ...noId } = binaryHeaders;
    assert.equal(
      codeOf(() => fromHttp(noId, Buffer.from("{}"))),
      "EVENT_INVALID",
    );
    assert.equal(
      codeOf(() => fromHttp({ ...binaryHeaders, "ce-specversion": "0.3" }, Buffer.alloc(0))),
      "EVENT_INVALID",
    );
    assert.equal(
      codeOf(() => fromHttp(binaryHeaders, Buffer.from("{not json"))),
      "EVENT_INVALID",
    );
    assert.equal(
      codeOf(() => fromHttp({ "content-type": "application/json" }, Buffer.from("{}"))),
      "EVENT_INVALID",
    );
    assert.equal(
      codeOf(() => fromHttp({ "content-type": "application/cloudevents+json" }, Buffer.from("[1]"))),
      "EVENT_INVALID",
    );
    assert.equal(
      codeOf(() => fromHttp({ ...binaryHeaders, "ce-time": "yesterday" }, Buffer.alloc(0))),
      "EVENT_INVALID",
    );
    const big = Buffer.from(JSON.stringify({ blob: "x".repeat(256 * 1024) }));
    assert.equal(
      codeOf(() => fromHttp(binaryHeaders, big)),
      "EVENT_TOO_LARGE",
    );
  });

  it("writes binary mode and the EventBridge shape", () => {
    const event = fromHttp(binaryHeaders, Buffer.from('{"total":5}'));
    const { headers, body } = toBinary(event);
    assert.deepEqual(
      headers.filter(([name]) => ["ce-id", "ce-type", "ce-traceid", "content-type"].includes(name)),
      [
        ["ce-id", "e-1"],
        ["ce-type", "order.created"],
        ["ce-traceid", "abc"],
        ["content-type", "application/json"],
      ],
    );
    assert.equal(Buffer.from(body).toString(), '{"total":5}');
    const bridge = toEventBridge(event);
    assert.deepEqual(
      [bridge["detail-type"], bridge.source, bridge.detail],
      ["order.created", "/shop", { total: 5 }],
    );
  });
});
