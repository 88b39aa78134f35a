// Webhook subscriptions through the real server: each delivery is the structured CloudEvent,
// signed with HMAC-SHA256 under a key from the parameter store, and retried with backoff until
// the receiver answers 2xx; the async invocation record shows every attempt.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { json, waitFor } from "./helpers.ts";

const KEY = "whsec_test_0123456789";

interface Delivery {
  body: string;
  signature: string;
  deliveryId: string;
  contentType: string;
}

describe("topic webhooks", () => {
  const root = mkdtempSync(join(tmpdir(), "nimbus-webhooks-"));
  const deliveries: Delivery[] = [];
  let failuresLeft = 2;
  let receiver: Server;
  let nimbus: TestPlatform;

  before(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        deliveries.push({
          body: Buffer.concat(chunks).toString("utf8"),
          signature: String(request.headers["x-nimbus-signature"]),
          deliveryId: String(request.headers["x-nimbus-delivery"]),
          contentType: String(request.headers["content-type"]),
        });
        response.statusCode = failuresLeft-- > 0 ? 503 : 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as AddressInfo;

    // The receiver's port is known only now, so the app is written here.
    const dir = join(root, "app");
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "src", "noop.ts"), "export const handler = async () => ({});\n");
    writeFileSync(
      join(dir, "nimbus.yaml"),
      [
        "app: events",
        "functions:",
        "  noop:",
        "    handler: src/noop.handler",
        "topics:",
        "  orders:",
        "    subscriptions:",
        `      - webhook: http://127.0.0.1:${port}/hooks`,
        "        secret: hooks/orders",
        "        maximumRetryAttempts: 3",
        "        filter: { type: [order.shipped] }",
        "",
      ].join("\n"),
    );
    nimbus = await startTestPlatform({ appDir: dir, options: { asyncRetryBaseDelayMs: 100 } });
    const stored = await nimbus.admin("/apps/events/secrets/hooks/orders", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: KEY }),
    });
    assert.equal(stored.status, 200, await stored.text());
  });

  after(async () => {
    await nimbus?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  it("signs each delivery and retries until the receiver accepts it", async () => {
    const event = {
      specversion: "1.0",
      id: "ship-1",
      source: "/shop",
      type: "order.shipped",
      data: { order: 7 },
    };
    const published = await nimbus.admin("/apps/events/topics/orders/events", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify(event),
    });
    assert.equal(published.status, 202);
    const { deliveries: targets } = await json<{ deliveries: string[] }>(published);
    assert.ok(targets.some((target) => target.startsWith("webhook http://127.0.0.1:")));

    await waitFor(() => deliveries.length >= 3, "three webhook deliveries (two refused, one accepted)");
    for (const delivery of deliveries) {
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.signature);
      assert.ok(match, `signature header: ${delivery.signature}`);
      const expected = createHmac("sha256", KEY).update(`${match[1]}.${delivery.body}`).digest("hex");
      assert.equal(match[2], expected, "HMAC-SHA256 of '<t>.<body>' under the parameter's key");
      assert.equal(delivery.contentType, "application/cloudevents+json");
      const received = JSON.parse(delivery.body) as { id: string; type: string; data: unknown };
      assert.deepEqual(
        [received.id, received.type, received.data],
        ["ship-1", "order.shipped", { order: 7 }],
      );
    }
    const ids = new Set(deliveries.map((delivery) => delivery.deliveryId));
    assert.equal(ids.size, 1, "every attempt carries the same delivery id");
    const [deliveryId] = [...ids];
    const record = await waitFor(async () => {
      const current = await json<{
        status: string;
        attempts: { attempt: number; outcome: string; errorMessage?: string }[];
      }>(nimbus.admin(`/async-invocations/${deliveryId}`));
      return current.status === "succeeded" ? current : undefined;
    }, "the delivery record to succeed");
    assert.deepEqual(
      record.attempts.map((a) => [a.attempt, a.outcome, a.errorMessage ?? null]),
      [
        [1, "error", "HTTP 503"],
        [2, "error", "HTTP 503"],
        [3, "success", null],
      ],
    );
  });
});
