// Starting workflows, sending them events and reading them from function code, with the
// instance's token. The function's permissions must allow the workflows:* action on
// "workflow/<name>".
import { currentApp, platformRequest } from "./platform-client.ts";

export interface StartedWorkflow {
  readonly instanceId: string;
  readonly status: string;
  /** true: an instance with this id existed already (the start was idempotent). */
  readonly duplicate: boolean;
}

export interface WorkflowDescription {
  readonly id: string;
  readonly workflow: string;
  readonly status: "running" | "completed" | "failed" | "parked" | "cancelled";
  readonly input: unknown;
  readonly output: unknown;
  readonly error: unknown;
  /** What the workflow last set with ctx.setStatus. */
  readonly customStatus: unknown;
  /** The version of the workflow's function the instance runs on. */
  readonly version: number | undefined;
  readonly correlationKey: string | undefined;
  readonly history: readonly {
    readonly key: string;
    readonly kind: string;
    readonly state: string;
    readonly output: unknown;
    readonly error: unknown;
    readonly attempts: number;
  }[];
}

export const workflows = {
  /** Resolves once the instance is stored; `instanceId` makes the start idempotent. */
  start(
    workflow: string,
    input?: unknown,
    options: { instanceId?: string; correlationKey?: string } = {},
  ): Promise<StartedWorkflow> {
    return platformRequest<StartedWorkflow>(
      "POST",
      `/apps/${encodeURIComponent(currentApp())}/workflows/${encodeURIComponent(workflow)}/instances`,
      {
        input,
        ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
        ...(options.correlationKey === undefined ? {} : { correlationKey: options.correlationKey }),
      },
    );
  },
  /**
   * Sends an event to every running instance of the app started with `correlationKey` (of one
   * workflow, with `workflow`); once per instance and `eventId`.
   */
  sendEventByKey(
    correlationKey: string,
    name: string,
    payload?: unknown,
    options: { eventId?: string; workflow?: string } = {},
  ): Promise<{ eventId: string; instances: { instanceId: string; duplicate: boolean }[] }> {
    return platformRequest("POST", `/apps/${encodeURIComponent(currentApp())}/workflows/events`, {
      name,
      correlationKey,
      payload,
      ...(options.eventId === undefined ? {} : { eventId: options.eventId }),
      ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
    });
  },
  /** Delivers once per `eventId` (default: a new UUID) to the instance's next waitForEvent(name). */
  sendEvent(
    instanceId: string,
    name: string,
    payload?: unknown,
    options: { eventId?: string } = {},
  ): Promise<{ eventId: string; duplicate: boolean }> {
    return platformRequest("POST", `/workflows/${encodeURIComponent(instanceId)}/events`, {
      name,
      payload,
      ...(options.eventId === undefined ? {} : { eventId: options.eventId }),
    });
  },
  describe(instanceId: string): Promise<WorkflowDescription> {
    return platformRequest("GET", `/workflows/${encodeURIComponent(instanceId)}`);
  },
};
