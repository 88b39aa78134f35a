// The version and alias commands (nimbus versions, nimbus alias …), registered on the main
// program; `nimbus rollback <fn>` is the alias rollback, registered with `rollback` in main.ts.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const versions = () => import("./commands/versions.ts");

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}

export function registerVersionCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  remoteOptions(
    program
      .command("versions <function>")
      .description("a function's versions (newest first), which is $LATEST, and its aliases"),
  )
    .option("-n, --limit <n>", "how many", positiveInteger, 20)
    .action(async (fn: string, options) => (await versions()).versions(fn, options));

  const alias = program.command("alias").description("aliases: names for versions, with canary weights");
  remoteOptions(
    alias
      .command("set <function> <alias> <version>")
      .description("point an alias at a version (created if new); calls through it move at once"),
  )
    .option("--canary <version:percent>", "send this share of the calls to another version, e.g. 8:10")
    .action(async (fn: string, name: string, version: string, options) =>
      (await versions()).setAlias(fn, name, positiveInteger(version), options),
    );
  remoteOptions(alias.command("ls <function>").description("a function's aliases and their weights")).action(
    async (fn: string, options) => (await versions()).listAliases(fn, options),
  );
}
