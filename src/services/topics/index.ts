// Topics: publish CloudEvents, fan out to filtered subscriptions (see ARCHITECTURE.md).
export { registerTopicRoutes } from "./topic-routes.ts";
export { type PublishResult, TopicService, type TopicServiceOptions } from "./topic-service.ts";
export {
  createWebhookTarget,
  WEBHOOK_PREFIX,
  type WebhookTargetOptions,
  webhookName,
  webhookSignature,
} from "./webhook-target.ts";
