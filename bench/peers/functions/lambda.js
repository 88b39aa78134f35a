// The Lambda version (serverless-offline): API Gateway HTTP API (payload 2.0) handlers.
import { priceOrder } from "./work.js";

export const hello = async () => ({
  statusCode: 200,
  headers: { "content-type": "text/plain" },
  body: "Hello, world!",
});

export const work = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: priceOrder(event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body),
});
