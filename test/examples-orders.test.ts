// examples/orders runs as its README says: publish, batch processing, a filtered notifier, a
// failing order in the dead-letter queue, and its redrive after the catalogue is fixed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { json, REPO, waitFor } from "./helpers.ts";

describe("examples/orders", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(REPO, "examples", "orders") });
  });
  after(() => nimbus?.stop());

  const post = (path: string, body: unknown) =>
    nimbus.admin(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function drain(queue: string, into: string[]): Promise<string[]> {
    for (;;) {
      const { messages } = await json<{ messages: { body: string; receiptHandle: string }[] }>(
        post(`/apps/orders/queues/${queue}/receive`, { maxMessages: 10 }),
      );
      if (messages.length === 0) return into;
      into.push(...messages.map((m) => m.body));
      await post(`/apps/orders/queues/${queue}/messages/delete`, {
        receiptHandles: messages.map((m) => m.receiptHandle),
      });
    }
  }

  it("fulfils orders, notifies big ones, dead-letters an unknown SKU and redrives it after the fix", async () => {
    const orders = [
      { id: "o-1", sku: "book", quantity: 1, total: 20 },
      { id: "o-2", sku: "pen", quantity: 50, total: 150 },
      { id: "o-3", sku: "lamp", quantity: 1, total: 40 },
    ];
    for (const order of orders) {
      const response = await fetch(`${nimbus.url}/orders`, { method: "POST", body: JSON.stringify(order) });
      assert.equal(response.status, 202, await response.clone().text());
    }
    const fulfilled: string[] = [];
    await waitFor(async () => (await drain("fulfilled", fulfilled)).length >= 2, "o-1 and o-2 fulfilled");
    const notified: string[] = [];
    await waitFor(async () => (await drain("notifications", notified)).length >= 1, "the big order notified");
    assert.deepEqual(
      notified.map((body) => (JSON.parse(body) as { orderId: string }).orderId),
      ["o-2"],
    );
    await waitFor(
      async () =>
        (await json<{ stats: { visible: number } }>(nimbus.admin("/apps/orders/queues/order-jobs-dlq"))).stats
          .visible === 1,
      "o-3 in the dead-letter queue",
      20_000,
    );

    const fixed = await nimbus.admin("/apps/orders/secrets/catalog/skus", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: "book,pen,lamp", type: "plain" }),
    });
    assert.equal(fixed.status, 200);
    assert.deepEqual(await json(post("/apps/orders/queues/order-jobs-dlq/redrive", {})), {
      moved: 1,
      to: "order-jobs",
    });
    await waitFor(
      async () => (await drain("fulfilled", fulfilled)).length >= 3,
      "o-3 fulfilled after the fix",
    );
    assert.deepEqual(fulfilled.map((body) => (JSON.parse(body) as { orderId: string }).orderId).sort(), [
      "o-1",
      "o-2",
      "o-3",
    ]);
  });
});
