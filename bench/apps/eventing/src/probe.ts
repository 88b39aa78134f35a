// Notes when it started, next to when the event was published.
import { queues } from "nimbus/sdk";

export const handler = async (event: { detail: { publishedAt: number } }) => {
  const startedAt = Date.now();
  await queues.send("started", { body: { publishedAt: event.detail.publishedAt, startedAt } });
};
