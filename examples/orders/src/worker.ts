// Fulfils orders in batches from the order-jobs queue (each message is an order.created
// CloudEvent). An order for a SKU the catalogue does not list fails, alone: the rest of the batch
// goes through (batchItemFailures), and after two attempts it moves to order-jobs-dlq.
import { queues, secrets } from "nimbus/sdk";

interface SqsRecord {
  messageId: string;
  body: string;
}

interface OrderEvent {
  id: string;
  data: { id: string; sku: string; quantity: number; total: number };
}

export const handler = async (event: { Records: SqsRecord[] }) => {
  // The catalogue is a parameter, so fixing it needs no deploy: nimbus secrets set catalog/skus …
  const known = new Set((await secrets.get("catalog/skus").catch(() => "book,pen")).split(","));
  const failures: { itemIdentifier: string }[] = [];
  const fulfilled = [];
  for (const record of event.Records) {
    const order = (JSON.parse(record.body) as OrderEvent).data;
    if (!known.has(order.sku)) {
      console.error(`order ${order.id}: unknown SKU "${order.sku}"`);
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    // The event id is the deduplication key downstream: delivery is at least once.
    fulfilled.push({ body: { orderId: order.id, sku: order.sku }, deduplicationId: order.id });
  }
  if (fulfilled.length > 0) await queues.sendBatch("fulfilled", fulfilled);
  return { batchItemFailures: failures };
};
