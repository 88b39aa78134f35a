// The `nimbus` command. Commands load their modules when they run, so `nimbus ls` does not
// pay for loading the server (Fastify, esbuild) it only talks to.
import { Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_PORT } from "../core/defaults.ts";
import { invokeAsync, registerAsyncCommands } from "./async-commands.ts";
import { registerBucketCommands } from "./bucket-commands.ts";
import { initApp, TEMPLATES } from "./commands/init.ts";
import type { UpOptions } from "./commands/up.ts";
import { registerEntityCommands } from "./entity-commands.ts";
import { registerIdentityCommands } from "./identity-commands.ts";
import { reportError } from "./output.ts";
import { registerQueueCommands } from "./queue-commands.ts";
import { registerTableCommands } from "./table-commands.ts";
import { registerVersionCommands } from "./version-commands.ts";
import { registerWorkflowCommands } from "./workflow-commands.ts";

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number");
  return parsed;
}

const remote = () => import("./commands/remote.ts");

const program = new Command("nimbus")
  .description("Nimbus: self-hosted serverless functions, from zero to many instances")
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(`error: ${text.replace(/^error: /, "")}`) });

const remoteOptions = (command: Command) =>
  command
    .option("--url <url>", "the Nimbus server (default: NIMBUS_URL or http://127.0.0.1:8787)")
    .option("--admin-key <key>", "the admin key (default: NIMBUS_ADMIN_KEY or the saved one)")
    .option("--app <name>", "the app (default: the app of ./nimbus.yaml, or the only one)")
    .option("--json", "print JSON for scripts");

const serve = (command: Command) =>
  command
    .addOption(new Option("--port <n>", "port to listen on").argParser(integer).default(DEFAULT_PORT))
    .option("--host <host>", "address to listen on", "127.0.0.1");

program
  .command("init [dir]")
  .description("create a working app from a template")
  .addOption(new Option("--template <name>", "the template").choices(TEMPLATES).default("hello"))
  .action((dir: string | undefined, options: { template: string }) => {
    const target = initApp(dir ?? ".", options.template);
    console.log(`Created ${target} from the ${options.template} template.\nNext: nimbus dev ${dir ?? "."}`);
  });

serve(program.command("dev [dir]").description("serve an app locally and redeploy it on every save"))
  .option("--data-dir <dir>", "where state is kept (default: <dir>/.nimbus)")
  .action((dir: string | undefined, options: { port: number; host: string; dataDir?: string }) =>
    import("./commands/dev.ts").then(({ dev }) => dev(dir ?? ".", options)),
  );

serve(program.command("up").description("serve the apps deployed in a data directory"))
  .option("--data-dir <dir>", "where state is kept", ".nimbus")
  .option(
    "--store <url>",
    "postgres://… to keep state in PostgreSQL (default: NIMBUS_STORE_URL, else SQLite)",
  )
  .option(
    "--cache-url <url>",
    "redis://host:port for a cache shared by nodes (default: NIMBUS_CACHE_URL, else in-process)",
  )
  .option(
    "--bundle-dir <dir>",
    "where bundles are kept, one shared volume for a cluster (default: NIMBUS_BUNDLE_DIR, else <data-dir>/bundles)",
  )
  .option(
    "--bundle-store <url>",
    "s3://bucket/prefix: bundles in an S3-compatible bucket instead (default: NIMBUS_BUNDLE_STORE)",
  )
  .option(
    "--blob-dir <dir>",
    "where bucket objects' bytes are kept, one shared volume for a cluster (default: NIMBUS_BLOB_DIR, else <data-dir>/blobs)",
  )
  .option(
    "--blob-store <url>",
    "s3://bucket/prefix: bucket objects' bytes in an S3-compatible bucket instead (default: NIMBUS_BLOB_STORE)",
  )
  .option("--node-id <id>", "this node's name in a cluster (default: NIMBUS_NODE_ID, else host-pid-random)")
  .addOption(
    new Option("--drain-timeout-ms <n>", "on SIGTERM, how long calls in flight may finish")
      .argParser(integer)
      .default(10_000),
  )
  .addOption(
    new Option("--lease-ttl-ms <n>", "a node that stops renewing loses its cluster leases after this")
      .argParser(integer)
      .default(15_000),
  )
  .addOption(
    new Option(
      "--workflow-replay-attempts <n>",
      "replays of a workflow instance that may fail to answer in a row before it is parked",
    )
      .argParser(integer)
      .default(10),
  )
  .action((options: UpOptions) => import("./commands/up.ts").then(({ up }) => up(options)));

remoteOptions(
  program.command("deploy [dir]").description("bundle an app, print the plan and deploy it as a new version"),
)
  .option("--dry-run", "print the plan without deploying")
  .action(async (dir: string | undefined, options) => (await remote()).deploy(dir ?? ".", options));

remoteOptions(
  program
    .command("rollback [function]")
    .description(
      "with a function: move its alias back at once (off its canary, else to its previous version); without: serve the app's previous version again, as a new version",
    ),
)
  .addOption(
    new Option("--to <version>", "without a function: the app version to go back to").argParser(integer),
  )
  .option("--alias <name>", "with a function: the alias to roll back", "live")
  .action(async (fn: string | undefined, options) =>
    fn === undefined
      ? (await remote()).rollback(options)
      : (await import("./commands/versions.ts")).rollbackAlias(fn, options),
  );

remoteOptions(program.command("invoke <function>").description("call a function directly with a payload"))
  .option("-d, --data <payload>", "the payload (JSON for Lambda-style handlers)")
  .option("--async", "queue the call (202 once stored) and print its invocation id; failures are retried")
  .option("--idempotency-key <key>", "with --async: a repeat within 24 h returns the first invocation")
  .option("--qualifier <alias|version>", "with --async: call an alias or version instead of $LATEST")
  .action(async (fn: string, options) =>
    options.async ? invokeAsync(fn, options) : (await remote()).invoke(fn, options),
  );

remoteOptions(program.command("logs [function]").description("print a function's log lines"))
  .option("-f, --follow", "keep printing new lines")
  .option("--request <id>", "only the lines of one request")
  .addOption(new Option("-n, --limit <n>", "how many recent lines").argParser(integer).default(100))
  .action(async (fn: string | undefined, options) => (await remote()).logs(fn, options));

remoteOptions(program.command("ls").description("list apps, or an app's functions with --app")).action(
  async (options) => (await remote()).list(options),
);

remoteOptions(
  program
    .command("invocations [function]")
    .description("recent calls: cold or warm, duration, memory, outcome"),
)
  .addOption(new Option("-n, --limit <n>", "how many").argParser(integer).default(20))
  .action(async (fn: string | undefined, options) => (await remote()).invocations(fn, options));

registerIdentityCommands(program, remoteOptions);
registerVersionCommands(program, remoteOptions);
registerQueueCommands(program, remoteOptions);
registerBucketCommands(program, remoteOptions);
registerTableCommands(program, remoteOptions);
registerWorkflowCommands(program, remoteOptions);
registerEntityCommands(program, remoteOptions);
registerAsyncCommands(program, remoteOptions);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error, process.argv.includes("--json"));
}
