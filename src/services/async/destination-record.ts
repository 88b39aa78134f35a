// What an async invocation's destinations receive: Lambda's invocation record, so consumers
// written for Lambda destinations read it unchanged; and the dead-letter queue message, which is
// the original payload with the error in message attributes, as Lambda's DLQ gets it.
import { type CloudEvent, newCloudEvent } from "../../core/cloudevents/index.ts";
import type { AsyncInvocationRecord } from "../../store/async-invocation-ports.ts";

export type DestinationCondition = "Success" | "RetriesExhausted" | "EventAgeExceeded";

export interface InvocationResult {
  readonly condition: DestinationCondition;
  readonly statusCode: number;
  /** The answer body (JSON parsed when it is JSON), or the error body. */
  readonly response: string | undefined;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
}

function parsed(text: string | undefined): unknown {
  if (text === undefined || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function functionArn(app: string, functionName: string): string {
  return `arn:nimbus:lambda:local:${app}:function:${functionName}`;
}

export function destinationRecord(
  invocation: AsyncInvocationRecord,
  attempts: number,
  result: InvocationResult,
): string {
  return JSON.stringify({
    version: "1.0",
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: invocation.id,
      functionArn: functionArn(invocation.app, invocation.functionName),
      condition: result.condition,
      approximateInvokeCount: attempts,
    },
    requestPayload: parsed(Buffer.from(invocation.payload).toString("utf8")),
    responseContext: {
      statusCode: result.statusCode,
      executedVersion: "$LATEST",
      ...(result.condition === "Success" ? {} : { functionError: "Unhandled" }),
    },
    responsePayload:
      result.condition === "Success"
        ? parsed(result.response)
        : { errorType: result.errorCode ?? "Error", errorMessage: result.errorMessage ?? "" },
  });
}

/**
 * The record as a topic destination publishes it: EventBridge's shape for Lambda destinations
 * (source "lambda", the detail-type as the event type), so rules written for Lambda match. The
 * id is fixed per invocation and outcome: a delivery repeated after a crash is published once.
 */
export function destinationEvent(
  invocation: AsyncInvocationRecord,
  record: string,
  success: boolean,
): CloudEvent {
  return newCloudEvent({
    id: `${invocation.id}:${success ? "success" : "failure"}`,
    source: "lambda",
    type: `Lambda Function Invocation Result - ${success ? "Success" : "Failure"}`,
    subject: functionArn(invocation.app, invocation.functionName),
    datacontenttype: "application/json",
    data: JSON.parse(record),
  });
}

/** The dead-letter queue message: the payload as the body, the failure in attributes. */
export function deadLetterMessage(invocation: AsyncInvocationRecord, result: InvocationResult) {
  return {
    body: Buffer.from(invocation.payload).toString("utf8"),
    attributes: {
      RequestID: invocation.id,
      ErrorCode:
        result.errorCode ?? (result.condition === "EventAgeExceeded" ? "EVENT_AGE_EXCEEDED" : "ERROR"),
      ErrorMessage: (result.errorMessage ?? "").slice(0, 1_000),
      FunctionName: invocation.functionName,
    },
  };
}
