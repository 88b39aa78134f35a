// nimbus users ls|create|disable|enable: an app's user pool, from the administrator's side.
import type { UserSummary } from "../../identity/user-pools/user-pool-service.ts";
import { AdminClient } from "../admin-client.ts";
import { CliError, printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

function path(app: string, rest = ""): string {
  return `/apps/${encodeURIComponent(app)}/users${rest}`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError("BAD_REQUEST", "No password given", "Pipe it in, or pass it after the username.");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function describe(user: UserSummary): string {
  const state = !user.enabled ? "disabled" : user.locked ? "locked" : user.status;
  const groups = user.groups.length > 0 ? `  [${user.groups.join(", ")}]` : "";
  return `${user.username}  ${user.email ?? "-"}  ${state}${groups}`;
}

export async function listUsers(options: RemoteOptions & { limit: number }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { users } = await client.request<{ users: UserSummary[] }>(
    "GET",
    `${path(app)}?limit=${options.limit}`,
  );
  if (options.json) return printJson(users);
  if (users.length === 0) console.log(`No users in ${app}.`);
  for (const user of users) console.log(describe(user));
}

export async function createUser(
  username: string,
  password: string | undefined,
  options: RemoteOptions & { email?: string; group?: string[] },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const user = await client.request<UserSummary>("POST", path(app), {
    username,
    password: password ?? (await readStdin()),
    ...(options.email ? { email: options.email } : {}),
    ...(options.group?.length ? { groups: options.group } : {}),
  });
  if (options.json) return printJson(user);
  console.log(`Created ${describe(user)} in ${app}.`);
}

export async function setEnabled(username: string, enabled: boolean, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const verb = enabled ? "enable" : "disable";
  const user = await client.request<UserSummary>(
    "POST",
    path(app, `/${encodeURIComponent(username)}/${verb}`),
  );
  if (options.json) return printJson(user);
  console.log(
    `${enabled ? "Enabled" : "Disabled"} ${user.username}${enabled ? "" : "; their sessions are revoked"}.`,
  );
}
