// nimbus queues …, topics … and schedules …, registered on the main program; their modules load only
// when a command runs.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const queues = () => import("./commands/queues.ts");
const topics = () => import("./commands/topics.ts");

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return parsed;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerQueueCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("queues").description("an app's queues (SQS semantics)");
  remoteOptions(command.command("ls").description("list the app's queues with their depth")).action(
    async (options) => (await queues()).listQueues(options),
  );
  remoteOptions(command.command("send <queue> [body]").description("send a message (the body as given)"))
    .option("--file <path>", "read the body from a file")
    .option("--group <id>", "message group id (FIFO queues)")
    .option("--dedup-id <id>", "deduplication id")
    .option("--delay-ms <ms>", "keep the message invisible this long", wholeNumber)
    .option("--attribute <name=value>", "a message attribute (repeatable)", collect)
    .action(async (queue: string, body: string | undefined, options) =>
      (await queues()).sendMessage(queue, body, options),
    );
  remoteOptions(
    command.command("receive <queue>").description("receive messages (long polling with --wait-ms)"),
  )
    .option("--max <n>", "at most this many messages (1 to 10)", wholeNumber)
    .option("--wait-ms <ms>", "wait up to this long for a message (at most 20000)", wholeNumber)
    .option("--visibility-ms <ms>", "keep them invisible this long (default: the queue's)", wholeNumber)
    .option("--delete", "delete them once received (acknowledge)")
    .action(async (queue: string, options) => (await queues()).receiveMessages(queue, options));
  remoteOptions(command.command("purge <queue>").description("delete every message of a queue")).action(
    async (queue: string, options) => (await queues()).purgeQueue(queue, options),
  );
  remoteOptions(
    command
      .command("redrive <queue>")
      .description("move a dead-letter queue's messages back to its source queue"),
  )
    .option("--to <queue>", "the queue to move them to (default: the only source queue)")
    .option("--max <n>", "move at most this many", wholeNumber)
    .action(async (queue: string, options) => (await queues()).redriveQueue(queue, options));

  const topicCommand = program.command("topics").description("an app's topics (CloudEvents pub/sub)");
  remoteOptions(
    topicCommand.command("ls").description("list the app's topics and their subscriptions"),
  ).action(async (options) => (await topics()).listTopics(options));
  remoteOptions(topicCommand.command("publish <topic>").description("publish a CloudEvent to a topic"))
    .requiredOption("--type <type>", "the event type, e.g. order.created")
    .option("--data <json>", "the event data (JSON)")
    .option("--source <uri>", "the event source (default /cli)")
    .option("--subject <subject>", "the event subject")
    .option("--id <id>", "the event id (default: a new UUID); a repeat is delivered once")
    .action(async (topic: string, options) => (await topics()).publishEvent(topic, options));
  remoteOptions(
    topicCommand
      .command("replay <topic>")
      .description("deliver a time range of the topic's archive to one subscription again"),
  )
    .requiredOption("--from <time>", "start of the range, RFC 3339 (inclusive)")
    .option("--to <time>", "end of the range, RFC 3339 (exclusive; default now)")
    .requiredOption(
      "--subscription <n>",
      "the subscription's position in nimbus.yaml (0 is the first)",
      wholeNumber,
    )
    .action(async (topic: string, options) => (await topics()).replayTopic(topic, options));

  const scheduleCommand = program.command("schedules").description("an app's schedules (cron and rate)");
  remoteOptions(
    scheduleCommand.command("ls").description("list schedules with their last and next fire"),
  ).action(async (options) => (await topics()).listSchedules(options));
}
