// nimbus secrets set|get|ls|rm: an app's parameter store. Values come from stdin or a file
// rather than the command line when they are secret (shell history and `ps` show arguments).
import { readFileSync } from "node:fs";
import type { ParameterSummary, ParameterValue } from "../../identity/secrets/parameter-store.ts";
import { AdminClient } from "../admin-client.ts";
import { CliError, printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

function path(app: string, name?: string): string {
  const base = `/apps/${encodeURIComponent(app)}/secrets`;
  return name === undefined ? base : `${base}/${name.split("/").map(encodeURIComponent).join("/")}`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError(
      "BAD_REQUEST",
      "No value given",
      'Pipe it in (printf %s "$VALUE" | nimbus secrets set <name>) or use --value-file.',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function setSecret(
  name: string,
  value: string | undefined,
  options: RemoteOptions & { plain?: boolean; valueFile?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const text = value ?? (options.valueFile ? readFileSync(options.valueFile, "utf8") : await readStdin());
  const stored = await client.request<Omit<ParameterSummary, "value">>("PUT", path(app, name), {
    value: text,
    type: options.plain ? "plain" : "secret",
  });
  if (options.json) return printJson(stored);
  console.log(`Stored ${stored.name} v${stored.version} (${stored.type}) in ${app}.`);
}

export async function getSecret(name: string, options: RemoteOptions & { version?: number }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const query = options.version === undefined ? "" : `?version=${options.version}`;
  const parameter = await client.request<ParameterValue>("GET", `${path(app, name)}${query}`);
  if (options.json) return printJson(parameter);
  process.stdout.write(`${parameter.value}\n`);
}

export async function listSecrets(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { secrets } = await client.request<{ secrets: ParameterSummary[] }>("GET", path(app));
  if (options.json) return printJson(secrets);
  if (secrets.length === 0) console.log(`No parameters in ${app}.`);
  for (const parameter of secrets) {
    const shown = parameter.type === "plain" ? JSON.stringify(parameter.value) : "(secret)";
    const updated = new Date(parameter.updatedAt).toISOString();
    console.log(`${parameter.name}  ${parameter.type}  v${parameter.version}  ${updated}  ${shown}`);
  }
}

export async function removeSecret(name: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  await client.request("DELETE", path(app, name));
  if (options.json) return printJson({ name, deleted: true });
  console.log(`Deleted ${name} (every version) from ${app}.`);
}
