// nimbus async ls|show, registered on the main program (`invoke --async` is on `invoke`).
import { type Command, InvalidArgumentError, Option } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const commands = () => import("./commands/async-invocations.ts");

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}

export function registerAsyncCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("async").description("async invocations: status and every attempt");
  remoteOptions(command.command("ls [function]").description("recent async invocations, newest first"))
    .addOption(new Option("-n, --limit <n>", "how many").argParser(positive).default(20))
    .action(async (fn: string | undefined, options) => (await commands()).listAsync(fn, options));
  remoteOptions(
    command.command("show <id>").description("one async invocation with all its attempts"),
  ).action(async (id: string, options) => (await commands()).showAsync(id, options));
}

/** `nimbus invoke <fn> --async`: the async branch of invoke. */
export async function invokeAsync(fn: string, options: Record<string, unknown>): Promise<void> {
  await (await commands()).invokeAsync(fn, options);
}
