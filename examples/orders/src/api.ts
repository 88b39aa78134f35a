// POST /orders: validates the order and publishes it as an order.created CloudEvent.
import { topics } from "nimbus/sdk";

interface Order {
  id: string;
  sku: string;
  quantity: number;
  total: number;
}

function isOrder(value: unknown): value is Order {
  const order = value as Partial<Order> | null;
  return (
    typeof order?.id === "string" &&
    typeof order.sku === "string" &&
    typeof order.quantity === "number" &&
    typeof order.total === "number"
  );
}

export default {
  async fetch(request: Request): Promise<Response> {
    const order: unknown = await request.json().catch(() => undefined);
    if (!isOrder(order)) {
      return Response.json({ error: "expected { id, sku, quantity, total }" }, { status: 400 });
    }
    const { eventId } = await topics.publish("orders", {
      type: "order.created",
      subject: `order/${order.id}`,
      data: order,
    });
    return Response.json({ accepted: order.id, eventId }, { status: 202 });
  },
};
