// nimbus iam explain | operations | keys create|ls|revoke: policies and access keys.
import { readFileSync } from "node:fs";
import type { AccessKeySummary } from "../../identity/access-keys.ts";
import type { Explanation } from "../../identity/explain.ts";
import type { OperationInfo } from "../../identity/http/operation-guard.ts";
import { AdminClient } from "../admin-client.ts";
import { CliError, printJson } from "../output.ts";
import type { RemoteOptions } from "./remote.ts";

function describeStatement(statement: NonNullable<Explanation["statement"]>): string {
  const conditions = statement.conditions ? ` when ${JSON.stringify(statement.conditions)}` : "";
  return `${statement.effect} ${statement.actions.join(", ")} on ${statement.resources.join(", ")}${conditions}`;
}

/** "key=value" pairs given with --context, in one record. */
function parseContext(pairs: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new CliError("BAD_REQUEST", `--context takes key=value, got "${pair}"`);
    context[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return context;
}

export async function explain(
  principal: string,
  action: string,
  resource: string,
  options: RemoteOptions & { context?: string[] },
): Promise<void> {
  const client = new AdminClient(options);
  const result = await client.request<Explanation>("POST", "/iam/explain", {
    principal,
    action,
    resource,
    ...(options.app ? { app: options.app } : {}),
    ...(options.context?.length ? { context: parseContext(options.context) } : {}),
  });
  if (options.json) return printJson(result);
  const verdict = result.allowed ? "ALLOWED" : "DENIED";
  console.log(`${verdict}: ${result.principal} ${result.action} on ${result.resource}`);
  console.log(`  ${result.explanation}`);
  if (result.statement) console.log(`  statement: ${describeStatement(result.statement)}`);
}

export async function operations(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const result = await client.request<{ operations: OperationInfo[] }>("GET", "/iam/operations");
  if (options.json) return printJson(result.operations);
  for (const op of result.operations) {
    console.log(`${op.method.padEnd(6)} ${op.url}  ${op.action ?? `public (${op.public})`}`);
  }
}

/** --policy takes a file or the JSON itself. */
function readPolicy(policy: string): unknown {
  const text = policy.trimStart().startsWith("{") ? policy : readFileSync(policy, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError("POLICY_INVALID", `The policy is not JSON: ${(error as Error).message}`);
  }
}

export async function createAccessKey(
  options: RemoteOptions & { name: string; policy: string },
): Promise<void> {
  const client = new AdminClient(options);
  const created = await client.request<AccessKeySummary & { secretAccessKey: string }>(
    "POST",
    "/iam/access-keys",
    {
      name: options.name,
      policy: readPolicy(options.policy),
    },
  );
  if (options.json) return printJson(created);
  console.log(`Access key ${created.accessKeyId} (${created.name}); the secret is shown once:`);
  console.log(`  ${created.accessKeyId}:${created.secretAccessKey}`);
  console.log("Use it as the CLI's --admin-key, or as 'Authorization: Bearer <id>:<secret>'.");
}

export async function listAccessKeys(options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const { accessKeys } = await client.request<{ accessKeys: AccessKeySummary[] }>("GET", "/iam/access-keys");
  if (options.json) return printJson(accessKeys);
  if (accessKeys.length === 0) console.log("No access keys.");
  for (const key of accessKeys) {
    const state = key.revokedAt ? `revoked ${new Date(key.revokedAt).toISOString()}` : "active";
    console.log(`${key.accessKeyId}  ${key.name}  ${state}  ${key.statements.length} statement(s)`);
  }
}

export async function revokeAccessKey(id: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  await client.request("DELETE", `/iam/access-keys/${encodeURIComponent(id)}`);
  if (options.json) return printJson({ accessKeyId: id, revoked: true });
  console.log(`Revoked ${id}.`);
}

export async function temporaryCredentials(
  options: RemoteOptions & { policy: string; durationSeconds?: number },
): Promise<void> {
  const client = new AdminClient(options);
  const issued = await client.request<{ token: string; credentialId: string; expiresAt: number }>(
    "POST",
    "/credentials",
    {
      policy: readPolicy(options.policy),
      ...(options.durationSeconds === undefined ? {} : { durationSeconds: options.durationSeconds }),
    },
  );
  if (options.json) return printJson(issued);
  console.log(
    `Temporary credentials ${issued.credentialId}, valid until ${new Date(issued.expiresAt).toISOString()}:`,
  );
  console.log(`  ${issued.token}`);
}
