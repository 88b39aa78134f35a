// nimbus tables …, registered on the main program; the module loads only when a command runs.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const tables = () => import("./commands/tables.ts");

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}

function expressionOptions(command: Command): Command {
  return command
    .option("--values <json>", `the :value placeholders, e.g. '{":u":"42"}'`)
    .option("--names <json>", `the #name placeholders, e.g. '{"#s":"status"}'`);
}

export function registerTableCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("tables").description("an app's tables (DynamoDB semantics)");
  remoteOptions(command.command("ls").description("list the app's tables with their keys")).action(
    async (options) => (await tables()).listTables(options),
  );
  remoteOptions(command.command("get <table> <key>").description("print one item by its key (JSON)")).action(
    async (table: string, key: string, options) => (await tables()).getItem(table, key, options),
  );
  expressionOptions(remoteOptions(command.command("put <table> <item>").description("store an item (JSON)")))
    .option("--condition <expression>", "write only if this holds, e.g. 'attribute_not_exists(id)'")
    .action(async (table: string, item: string, options) => (await tables()).putItem(table, item, options));
  expressionOptions(
    remoteOptions(
      command.command("query <table> <keyCondition>").description("read items of one partition key"),
    ),
  )
    .option("--index <name>", "query a secondary index")
    .option("--filter <expression>", "keep only items for which this holds")
    .option("--limit <n>", "read at most this many items", positiveNumber)
    .option("--desc", "in descending sort key order")
    .option("--cursor <cursor>", "continue after the previous page")
    .action(async (table: string, keyCondition: string, options) =>
      (await tables()).queryTable(table, keyCondition, options),
    );
  expressionOptions(
    remoteOptions(command.command("scan <table>").description("read every item, a page at a time")),
  )
    .option("--filter <expression>", "keep only items for which this holds")
    .option("--limit <n>", "read at most this many items", positiveNumber)
    .option("--cursor <cursor>", "continue after the previous page")
    .action(async (table: string, options) => (await tables()).scanTable(table, options));
}
