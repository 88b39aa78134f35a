// Commands that talk to a running server through the admin API.

import { packageToRequest } from "../../control/app-package.ts";
import { formatPlan } from "../../control/deploy-plan.ts";
import type { DeployResult } from "../../control/deployer.ts";
import type { AppDescription } from "../../control/describe-app.ts";
import type { DirectInvokeResult } from "../../control/invoke-direct.ts";
import { packageApp } from "../../control/package-app.ts";
import { formatDuration } from "../../core/durations.ts";
import type { AppSummary, DeploymentRecord, InvocationRecord, StoredLogLine } from "../../store/ports.ts";
import { AdminClient, type ClientOptions } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import { formatLogLine } from "./print-log.ts";

export interface RemoteOptions extends ClientOptions {
  json?: boolean;
  app?: string;
}

export async function deploy(dir: string, options: RemoteOptions & { dryRun?: boolean }): Promise<void> {
  const client = new AdminClient(options);
  const body = packageToRequest(await packageApp(dir), options.dryRun ?? false);
  const result = await client.request<DeployResult>("POST", "/deployments", body);
  if (options.json) return printJson(result);
  console.log(formatPlan(result.plan));
  console.log(
    result.deployment
      ? `Deployed ${result.plan.app} v${result.deployment.version} to ${client.url}`
      : "Dry run: nothing changed",
  );
}

export async function rollback(options: RemoteOptions & { to?: number }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const { deployment } = await client.request<{ deployment: DeploymentRecord }>(
    "POST",
    `/apps/${encodeURIComponent(app)}/rollback`,
    options.to === undefined ? {} : { version: options.to },
  );
  if (options.json) return printJson(deployment);
  console.log(`Rolled ${app} back: v${deployment.version} now runs the code of v${deployment.sourceVersion}`);
}

export async function invoke(fn: string, options: RemoteOptions & { data?: string }): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const result = await client.request<DirectInvokeResult>(
    "POST",
    `/apps/${encodeURIComponent(app)}/functions/${encodeURIComponent(fn)}/invoke`,
    undefined,
    Buffer.from(options.data ?? ""),
  );
  if (options.json) return printJson(result);
  process.stdout.write(result.body.endsWith("\n") ? result.body : `${result.body}\n`);
  if (result.status === "error") process.exitCode = 1;
}

export async function logs(
  fn: string | undefined,
  options: RemoteOptions & { follow?: boolean; limit: number; request?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (fn) query.set("function", fn);
  if (options.request) query.set("requestId", options.request);
  let after: number | undefined;
  const print = (lines: StoredLogLine[]) => {
    for (const line of lines) {
      if (options.json) process.stdout.write(`${JSON.stringify(line)}\n`);
      else process.stdout.write(`${formatLogLine(line)}\n`);
      after = line.id;
    }
  };
  const path = () => `/apps/${encodeURIComponent(app)}/logs?${query}`;
  print((await client.request<{ lines: StoredLogLine[] }>("GET", path())).lines);
  if (!options.follow) return;
  query.set("waitMs", "20000");
  for (;;) {
    query.set("after", String(after ?? 0));
    print((await client.request<{ lines: StoredLogLine[] }>("GET", path())).lines);
  }
}

export async function list(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  if (!options.app) {
    const { apps } = await client.request<{ apps: AppSummary[] }>("GET", "/apps");
    if (options.json) return printJson(apps);
    if (apps.length === 0) console.log("No apps deployed.");
    for (const app of apps) console.log(`${app.app}  v${app.activeVersion}  ${app.functions.join(", ")}`);
    return;
  }
  const description = await client.request<AppDescription>("GET", `/apps/${encodeURIComponent(options.app)}`);
  if (options.json) return printJson(description);
  console.log(`${description.app} v${description.activeVersion}`);
  for (const fn of description.functions) {
    const instances = `${fn.instances.running} running, ${fn.instances.busy} busy`;
    console.log(`  ${fn.name}  ${fn.handler}  ${fn.memoryMb} MB  ${fn.timeout}  [${instances}]`);
    for (const route of fn.routes) console.log(`    ${route}`);
  }
}

export async function invocations(
  fn: string | undefined,
  options: RemoteOptions & { limit: number },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (fn) query.set("function", fn);
  const result = await client.request<{ invocations: InvocationRecord[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/invocations?${query}`,
  );
  if (options.json) return printJson(result.invocations);
  for (const r of result.invocations) {
    const when = new Date(r.startedAt).toISOString();
    const outcome = r.status === "success" ? String(r.httpStatus ?? "ok") : `${r.errorCode}`;
    const memory = r.peakMemoryMb === undefined ? "" : ` ${Math.round(r.peakMemoryMb)} MB`;
    const duration = formatDuration(Math.ceil(r.durationMs));
    console.log(
      `${when} ${r.requestId} ${r.functionName} v${r.version} ${r.cold ? "cold" : "warm"} ${duration}${memory} ${outcome}`,
    );
  }
}
