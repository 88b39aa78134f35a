// nimbus/sdk: what function code imports. It must never import server code: it runs
// inside function processes and speaks only the platform's public HTTP API.

export {
  buckets,
  type ListObjectsInput,
  type ObjectInfo,
  type ObjectList,
  type PutObjectInput,
  type StoredObject,
} from "./buckets.ts";
export { type CacheValue, cache } from "./cache.ts";
export { credentials, type SessionStatement, type TemporaryCredentials } from "./credentials.ts";
export {
  type EntityCallOptions,
  type EntitySignalled,
  type EntityState,
  entities,
} from "./entities.ts";
export {
  type EntityContext,
  type EntityDefinition,
  type EntityHandler,
  type EntityReadContext,
  entity,
  type ReadOperation,
  read,
  type WriteOperation,
} from "./entity.ts";
export type { EntityDescription, EntityRequest, EntityRunAnswer } from "./entity-protocol.ts";
export type { WorkflowEntityHandle } from "./entity-workflow.ts";
export { type FunctionInfo, functionInfo } from "./function-info.ts";
export { type AsyncInvokeAccepted, functions, type InvokeResult } from "./functions.ts";
export type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  ExecutionContext,
  FetchHandler,
  LambdaContext,
  LambdaHandler,
} from "./handler-types.ts";
export { NimbusApiError } from "./platform-client.ts";
export {
  type QueueMessage,
  type QueueMessageInput,
  queues,
  type SentQueueMessage,
} from "./queues.ts";
export { type Parameter, secrets } from "./secrets.ts";
export {
  type QueryInput as TableQueryInput,
  type TableItem,
  type TablePage,
  type TableValue,
  type TransactionEntry as TableTransactionEntry,
  tables,
  type WriteOptions as TableWriteOptions,
} from "./tables.ts";
export { type PublishInput, type PublishResult, topics } from "./topics.ts";
export {
  type StepOptions,
  type WorkflowContext,
  type WorkflowFunction,
  type WorkflowHandler,
  workflow,
} from "./workflow.ts";
export type { Duration } from "./workflow-duration.ts";
export {
  ChildWorkflowFailedError,
  NonRetryableError,
  StepFailedError,
  WorkflowCancelledError,
} from "./workflow-errors.ts";
export type { WorkflowAnswer, WorkflowInvocation } from "./workflow-protocol.ts";
export type { Compensation, RetryPolicy, StepContext } from "./workflow-replay.ts";
export { type StartedWorkflow, type WorkflowDescription, workflows } from "./workflows.ts";
