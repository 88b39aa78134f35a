// Webhook subscriptions of topics, delivered through the async invocation machinery (stored
// before publish answers, retried with backoff, every attempt recorded). Each delivery is a
// POST of the structured CloudEvent, signed like Stripe's webhooks so receivers can check it
// came from Nimbus and is fresh:
//
//   x-nimbus-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>
//
// The key is a parameter of the app's parameter store (`secret:` of the subscription).
import { createHmac } from "node:crypto";
import { STRUCTURED_CONTENT_TYPE } from "../../core/cloudevents/index.ts";
import { NimbusError } from "../../core/errors.ts";
import { ASYNC_DEFAULTS, type AsyncConfig } from "../../core/manifest/async-config.ts";
import type { TopicConfig } from "../../core/manifest/topics.ts";
import type { AsyncTarget } from "../async/index.ts";

export const WEBHOOK_PREFIX = "@webhook:";
/** A receiver that has not answered after this long counts as failed (and is retried). */
const WEBHOOK_TIMEOUT_MS = 10_000;

export function webhookName(topic: string, index: number): string {
  return `${WEBHOOK_PREFIX}${topic}/${index}`;
}

/** The signature header's value for a body, at a time (unix seconds). */
export function webhookSignature(key: string, timestampSeconds: number, body: string): string {
  const digest = createHmac("sha256", key).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${digest}`;
}

export interface WebhookTargetOptions {
  readonly topicsOf: (app: string) => Readonly<Record<string, TopicConfig>> | undefined;
  /** Reads a parameter's value from the app's parameter store. */
  readonly readSecret: (app: string, name: string) => Promise<string>;
}

function subscriptionOf(options: WebhookTargetOptions, app: string, name: string) {
  const [topic = "", index = ""] = name.slice(WEBHOOK_PREFIX.length).split("/");
  const target = options.topicsOf(app)?.[topic]?.subscriptions[Number(index)]?.target;
  if (!target || !("webhook" in target)) {
    throw new NimbusError(
      "NOT_FOUND",
      `Topic "${topic}" of app "${app}" has no webhook subscription ${index}`,
    );
  }
  return target;
}

export function createWebhookTarget(options: WebhookTargetOptions): AsyncTarget {
  return {
    prefix: WEBHOOK_PREFIX,
    config(app, name): AsyncConfig {
      const target = subscriptionOf(options, app, name);
      return {
        maximumRetryAttempts: target.maximumRetryAttempts,
        maximumEventAgeMs: ASYNC_DEFAULTS.maximumEventAgeMs,
        deadLetterQueue: undefined,
        onSuccess: undefined,
        onFailure: undefined,
      };
    },
    async deliver(invocation, requestId) {
      const target = subscriptionOf(options, invocation.app, invocation.functionName);
      const key = await options.readSecret(invocation.app, target.secret);
      const body = Buffer.from(invocation.payload).toString("utf8");
      const signature = webhookSignature(key, Math.floor(Date.now() / 1000), body);
      try {
        const response = await fetch(target.webhook, {
          method: "POST",
          headers: {
            "content-type": STRUCTURED_CONTENT_TYPE,
            "x-nimbus-signature": signature,
            "x-nimbus-delivery": invocation.id,
            "x-nimbus-request-id": requestId,
          },
          body,
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok)
          return { status: "success", errorCode: undefined, errorMessage: undefined, response: undefined };
        return {
          status: "error",
          errorCode: undefined,
          errorMessage: `HTTP ${response.status}`,
          response: undefined,
        };
      } catch (error) {
        return {
          status: "error",
          errorCode: undefined,
          errorMessage: (error as Error).message,
          response: undefined,
        };
      }
    },
  };
}
