// Called (asynchronously) for big orders only: the subscription's filter lets through
// order.created events whose total is at least 100.
import { queues } from "nimbus/sdk";

interface OrderCreated {
  id: string;
  "detail-type": string;
  detail: { id: string; total: number };
}

export const handler = async (event: OrderCreated) => {
  console.log(`big order ${event.detail.id}: ${event.detail.total}`);
  await queues.send("notifications", { body: { orderId: event.detail.id, total: event.detail.total } });
};
