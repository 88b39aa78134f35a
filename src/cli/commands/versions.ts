// nimbus versions <fn>, nimbus alias set|ls, nimbus rollback <fn>: function versions and aliases.
import type { FunctionVersionsView } from "../../control/version-routes.ts";
import { NimbusError } from "../../core/errors.ts";
import type { AliasRecord } from "../../store/function-version-ports.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

function functionPath(app: string, fn: string): string {
  return `/apps/${encodeURIComponent(app)}/functions/${encodeURIComponent(fn)}`;
}

/** "live → 7" or "live → 7 (90%), 8 (10%)". */
export function describeAlias(alias: AliasRecord): string {
  if (alias.canary === undefined) return `${alias.name} → ${alias.version}`;
  const canaryPercent = Math.round(alias.canary.weight * 1000) / 10;
  return `${alias.name} → ${alias.version} (${100 - canaryPercent}%), ${alias.canary.version} (${canaryPercent}%)`;
}

/** "8:10" → version 8 taking 10 % of the calls. */
export function parseCanary(text: string): { version: number; weight: number } {
  const match = /^(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  const version = Number(match?.[1]);
  const percent = Number(match?.[2]);
  if (match === null || version < 1 || !(percent > 0 && percent < 100)) {
    throw new NimbusError("BAD_REQUEST", `--canary takes <version>:<percent>, e.g. 8:10, not "${text}"`);
  }
  return { version, weight: percent / 100 };
}

export async function versions(fn: string, options: RemoteOptions & { limit: number }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const view = await client.request<FunctionVersionsView>(
    "GET",
    `${functionPath(app, fn)}/versions?limit=${options.limit}`,
  );
  if (options.json) return printJson(view);
  for (const version of view.versions) {
    const names = view.aliases
      .filter((alias) => alias.version === version.version || alias.canary?.version === version.version)
      .map((alias) => alias.name);
    if (version.version === view.latest) names.unshift("$LATEST");
    const when = new Date(version.createdAt).toISOString();
    const tags = names.length > 0 ? `  [${names.join(", ")}]` : "";
    console.log(
      `${fn} v${version.version}  ${when}  app v${version.deploymentVersion}  ${version.hash.slice(0, 12)}${tags}`,
    );
  }
  for (const alias of view.aliases) console.log(`  alias ${describeAlias(alias)}`);
}

export async function setAlias(
  fn: string,
  name: string,
  version: number,
  options: RemoteOptions & { canary?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const body = options.canary === undefined ? { version } : { version, canary: parseCanary(options.canary) };
  const { alias } = await client.request<{ alias: AliasRecord }>(
    "PUT",
    `${functionPath(app, fn)}/aliases/${encodeURIComponent(name)}`,
    body,
  );
  if (options.json) return printJson(alias);
  console.log(`${fn} ${describeAlias(alias)}`);
}

export async function listAliases(fn: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const view = await client.request<FunctionVersionsView>("GET", `${functionPath(app, fn)}/versions?limit=1`);
  if (options.json) return printJson(view.aliases);
  if (view.aliases.length === 0) console.log(`${fn} has no aliases.`);
  for (const alias of view.aliases) console.log(`${fn} ${describeAlias(alias)}`);
}

export async function rollbackAlias(fn: string, options: RemoteOptions & { alias: string }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { alias } = await client.request<{ alias: AliasRecord }>(
    "POST",
    `${functionPath(app, fn)}/aliases/${encodeURIComponent(options.alias)}/rollback`,
  );
  if (options.json) return printJson(alias);
  console.log(`Rolled ${fn} back: ${describeAlias(alias)}`);
}
