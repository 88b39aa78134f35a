// The identity commands (nimbus iam, secrets, users, keys), registered on the main program.
// Their modules load only when a command runs, as every remote command's do.
import { type Command, InvalidArgumentError } from "commander";

type RemoteOptionsOf = (command: Command) => Command;

const iam = () => import("./commands/iam.ts");
const secrets = () => import("./commands/secrets.ts");
const users = () => import("./commands/users.ts");
const keys = () => import("./commands/keys.ts");

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return parsed;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerIdentityCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const iamCommand = program.command("iam").description("policies and access keys");
  remoteOptions(
    iamCommand
      .command("explain <principal> <action> <resource>")
      .description(
        "say whether a principal (admin, accesskey/<id>, function/<app>/<fn>, user/<app>/<name>, apikey/<app>/<id>) may do an action, and which statement decided",
      ),
  )
    .option("--context <key=value>", "a request context key for conditions (repeatable)", collect)
    .action(async (principal: string, action: string, resource: string, options) =>
      (await iam()).explain(principal, action, resource, options),
    );
  remoteOptions(
    iamCommand.command("operations").description("every API operation and the action it needs"),
  ).action(async (options) => (await iam()).operations(options));
  remoteOptions(
    iamCommand
      .command("credentials")
      .description(
        "get temporary credentials: your own rights, scoped down by a session policy, for a while",
      ),
  )
    .requiredOption("--policy <file|json>", "the session policy (resources may be relative to your app)")
    .option("--duration-seconds <n>", "how long they last (default 900, at most 43200)", positiveInteger)
    .action(async (options) => (await iam()).temporaryCredentials(options));
  const accessKeys = iamCommand
    .command("keys")
    .description("Nimbus access keys (id + secret, bound to a policy)");
  remoteOptions(accessKeys.command("create").description("create an access key; its secret is shown once"))
    .requiredOption("--name <name>", "what the key is for")
    .requiredOption(
      "--policy <file|json>",
      'its policy: {"statements":[{"effect":"allow","actions":[…],"resources":[…]}]}',
    )
    .action(async (options) => (await iam()).createAccessKey(options));
  remoteOptions(accessKeys.command("ls").description("list access keys (never their secrets)")).action(
    async (options) => (await iam()).listAccessKeys(options),
  );
  remoteOptions(accessKeys.command("revoke <id>").description("revoke an access key at once")).action(
    async (id: string, options) => (await iam()).revokeAccessKey(id, options),
  );

  registerSecretCommands(program, remoteOptions);
  registerUserCommands(program, remoteOptions);
  registerApiKeyCommands(program, remoteOptions);
}

function registerApiKeyCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("keys").description("an app's API keys, for routes with auth: apiKey");
  remoteOptions(command.command("create").description("create an API key; its value is shown once"))
    .requiredOption("--name <name>", "who the key is for")
    .option("--plan <name>", "a usage plan of the app (rate, burst, quota); none: unlimited")
    .action(async (options) => (await keys()).createApiKey(options));
  remoteOptions(command.command("ls").description("list API keys and their usage this period")).action(
    async (options) => (await keys()).listApiKeys(options),
  );
  remoteOptions(command.command("revoke <id>").description("revoke an API key at once")).action(
    async (id: string, options) => (await keys()).revokeApiKey(id, options),
  );
}

function registerUserCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program.command("users").description("an app's user pool: its end users");
  remoteOptions(command.command("ls").description("list users"))
    .option("-n, --limit <n>", "how many", positiveInteger, 100)
    .action(async (options) => (await users()).listUsers(options));
  remoteOptions(
    command
      .command("create <username> [password]")
      .description("create a confirmed user (the password from stdin when not given)"),
  )
    .option("--email <address>", "the user's email address")
    .option("--group <name>", "a group of the pool (repeatable)", collect)
    .action(async (username: string, password: string | undefined, options) =>
      (await users()).createUser(username, password, options),
    );
  remoteOptions(
    command.command("disable <username>").description("stop a user signing in; revokes their sessions"),
  ).action(async (username: string, options) => (await users()).setEnabled(username, false, options));
  remoteOptions(command.command("enable <username>").description("let a disabled user sign in again")).action(
    async (username: string, options) => (await users()).setEnabled(username, true, options),
  );
}

function registerSecretCommands(program: Command, remoteOptions: RemoteOptionsOf): void {
  const command = program
    .command("secrets")
    .description("an app's parameters: plain and secret, versioned, encrypted at rest");
  remoteOptions(
    command
      .command("set <name> [value]")
      .description("store a new version (the value from stdin or --value-file when not given)"),
  )
    .option("--plain", "a plain parameter: its value is shown in listings")
    .option("--value-file <path>", "read the value from a file")
    .action(async (name: string, value: string | undefined, options) =>
      (await secrets()).setSecret(name, value, options),
    );
  remoteOptions(command.command("get <name>").description("print a parameter's value"))
    .option("--version <n>", "an older version", positiveInteger)
    .action(async (name: string, options) => (await secrets()).getSecret(name, options));
  remoteOptions(
    command.command("ls").description("list parameters: names, types, versions; never secret values"),
  ).action(async (options) => (await secrets()).listSecrets(options));
  remoteOptions(command.command("rm <name>").description("delete a parameter and all its versions")).action(
    async (name: string, options) => (await secrets()).removeSecret(name, options),
  );
}
