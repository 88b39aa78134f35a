import { priceOrder } from "../../peers/functions/work.js";

export const handler = async (event: { body?: string; isBase64Encoded?: boolean }) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: priceOrder(
    event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString() : (event.body ?? ""),
  ),
});
