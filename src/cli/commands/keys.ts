// nimbus keys create|ls|revoke: an app's API keys (for `auth: apiKey` routes, metered by usage plans).
import type { ApiKeySummary } from "../../identity/api-keys.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

function path(app: string, rest = ""): string {
  return `/apps/${encodeURIComponent(app)}/api-keys${rest}`;
}

export async function createApiKey(options: RemoteOptions & { name: string; plan?: string }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const key = await client.request<ApiKeySummary & { value: string }>("POST", path(app), {
    name: options.name,
    ...(options.plan ? { plan: options.plan } : {}),
  });
  if (options.json) return printJson(key);
  console.log(
    `API key ${key.id} (${key.name}${key.plan ? `, plan ${key.plan}` : ", no plan: unlimited"}); shown once:`,
  );
  console.log(`  ${key.value}`);
  console.log("Callers send it as the x-api-key header.");
}

export async function listApiKeys(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { apiKeys } = await client.request<{ apiKeys: ApiKeySummary[] }>("GET", path(app));
  if (options.json) return printJson(apiKeys);
  if (apiKeys.length === 0) console.log(`No API keys in ${app}.`);
  for (const key of apiKeys) {
    const state = key.revokedAt ? "revoked" : "active";
    const usage = key.usage
      ? `  ${key.usage.used}/${key.usage.limit} until ${new Date(key.usage.resetsAt).toISOString()}`
      : "";
    console.log(`${key.id}  ${key.name}  ${key.plan ?? "-"}  ${state}${usage}`);
  }
}

export async function revokeApiKey(id: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  await client.request("DELETE", path(app, `/${encodeURIComponent(id)}`));
  if (options.json) return printJson({ id, revoked: true });
  console.log(`Revoked ${id}.`);
}
