// nimbus workflows …, registered on the main program; the module loads only when a command runs.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const workflows = () => import("./commands/workflows.ts");

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}

export function registerWorkflowCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("workflows").description("durable workflows: instances, history, events");
  remoteOptions(command.command("start <workflow> [input]").description("start an instance (input: JSON)"))
    .option("--id <instanceId>", "the instance id: a repeated start with it returns the same instance")
    .option("--correlation-key <key>", "events sent to this key (signal --by-key) reach the instance")
    .action(async (workflow: string, input: string | undefined, options) =>
      (await workflows()).startWorkflow(workflow, input, options),
    );
  remoteOptions(command.command("ls").description("list the app's instances, newest first"))
    .option("--workflow <name>", "only this workflow's")
    .option("--limit <n>", "at most this many (default 50)", positiveNumber)
    .action(async (options) => (await workflows()).listWorkflows(options));
  remoteOptions(
    command.command("describe <id>").description("an instance: status, input, output, every step"),
  ).action(async (id: string, options) => (await workflows()).describeWorkflow(id, options));
  remoteOptions(
    command
      .command("history <id>")
      .description("every step, timer and wait with outputs, attempts, timings, errors"),
  ).action(async (id: string, options) => (await workflows()).workflowHistory(id, options));
  remoteOptions(command.command("signal <id> <event> [payload]").description("send an event (payload: JSON)"))
    .option("--event-id <id>", "the event's id (default: a new UUID); a repeat is delivered once")
    .option("--by-key", "<id> is a correlation key: send to every running instance started with it")
    .option("--workflow <name>", "with --by-key: only instances of this workflow")
    .action(async (id: string, event: string, payload: string | undefined, options) =>
      (await workflows()).signalWorkflow(id, event, payload, options),
    );
  remoteOptions(
    command
      .command("retry <id>")
      .description("resume a failed or parked instance on the latest version (after deploying a fix)"),
  ).action(async (id: string, options) => (await workflows()).retryWorkflow(id, options));
  remoteOptions(command.command("cancel <id>").description("cancel a running instance"))
    .option("--reason <text>", "recorded as the instance's error")
    .action(async (id: string, options) => (await workflows()).cancelWorkflow(id, options));
}
