// nimbus entities …, registered on the main program; the module loads only when a command runs.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const entities = () => import("./commands/entities.ts");

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}

export function registerEntityCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("entities").description("durable entities: state by key, operations");
  remoteOptions(command.command("ls [entity]").description("list the app's entity keys"))
    .option("--limit <n>", "at most this many (default 100)", positiveNumber)
    .action(async (entity: string | undefined, options) => (await entities()).listEntities(entity, options));
  remoteOptions(
    command.command("get <entity> <key>").description("a key's committed state and version"),
  ).action(async (entity: string, key: string, options) =>
    (await entities()).getEntity(entity, key, options),
  );
  for (const [verb, description] of [
    ["call", "run an operation and print its result (input: JSON)"],
    ["signal", "queue an operation and return at once (input: JSON)"],
    ["read", "run a read operation (input: JSON)"],
  ] as const) {
    const sub = remoteOptions(
      command.command(`${verb} <entity> <key> <operation> [input]`).description(description),
    );
    if (verb !== "read") sub.option("--id <operationId>", "the operation's id: a repeat with it runs once");
    sub.action(async (entity: string, key: string, operation: string, input: string | undefined, options) =>
      (await entities()).callEntity(verb, entity, key, operation, input, options),
    );
  }
  remoteOptions(
    command.command("history <entity> <key>").description("a key's operations, newest first, with results"),
  )
    .option("--limit <n>", "at most this many (default 50)", positiveNumber)
    .action(async (entity: string, key: string, options) =>
      (await entities()).entityHistory(entity, key, options),
    );
}
