// Durable workflows: journaled steps, timers, events (see ARCHITECTURE.md).

export { type WorkflowAnswer, workflowAnswerSchema } from "./workflow-answer.ts";
export { MAX_INLINE_WORKFLOW_BYTES, WorkflowBlobs } from "./workflow-blobs.ts";
export { registerWorkflowRoutes } from "./workflow-routes.ts";
export {
  MAX_WORKFLOW_PAYLOAD_BYTES,
  type StartWorkflow,
  type WorkflowHost,
  WorkflowService,
  type WorkflowServiceOptions,
} from "./workflow-service.ts";
export { eventView, instanceView, journalView } from "./workflow-view.ts";
