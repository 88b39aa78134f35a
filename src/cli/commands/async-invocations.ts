// nimbus invoke <fn> --async, nimbus async ls|show: async invocations and their attempts.
import { formatDuration } from "../../core/durations.ts";
import type { AsyncInvocationRecord } from "../../store/async-invocation-ports.ts";
import { AdminClient } from "../admin-client.ts";
import { printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

type AsyncRecordView = Omit<AsyncInvocationRecord, "payload"> & { payload: string };

export async function invokeAsync(
  fn: string,
  options: RemoteOptions & { data?: string; idempotencyKey?: string; qualifier?: string },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const params = new URLSearchParams();
  if (options.idempotencyKey) params.set("idempotencyKey", options.idempotencyKey);
  if (options.qualifier) params.set("qualifier", options.qualifier);
  const query = params.size > 0 ? `?${params}` : "";
  const accepted = await client.request<{ invocationId: string; duplicate: boolean; status: string }>(
    "POST",
    `/apps/${encodeURIComponent(app)}/functions/${encodeURIComponent(fn)}/invoke-async${query}`,
    undefined,
    Buffer.from(options.data ?? ""),
  );
  if (options.json) return printJson(accepted);
  console.log(
    accepted.duplicate
      ? `Already accepted as ${accepted.invocationId} (${accepted.status}); nothing new queued.`
      : `Accepted ${accepted.invocationId}; 'nimbus async show ${accepted.invocationId}' shows its attempts.`,
  );
}

function summary(record: AsyncRecordView): string {
  const created = new Date(record.createdAt).toISOString();
  const fn =
    record.qualifier === undefined ? record.functionName : `${record.functionName}:${record.qualifier}`;
  return `${record.id}  ${fn}  ${record.status}  attempts=${record.attempts.length}  ${created}`;
}

export async function listAsync(
  fn: string | undefined,
  options: RemoteOptions & { limit: number },
): Promise<void> {
  const client = new AdminClient(options);
  const app = await resolveApp(client, options.app);
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (fn) query.set("function", fn);
  const { invocations } = await client.request<{ invocations: AsyncRecordView[] }>(
    "GET",
    `/apps/${encodeURIComponent(app)}/async-invocations?${query}`,
  );
  if (options.json) return printJson(invocations);
  if (invocations.length === 0) console.log("No async invocations.");
  for (const record of invocations) console.log(summary(record));
}

export async function showAsync(id: string, options: RemoteOptions): Promise<void> {
  const client = new AdminClient(options);
  const record = await client.request<AsyncRecordView>("GET", `/async-invocations/${encodeURIComponent(id)}`);
  if (options.json) return printJson(record);
  console.log(summary(record));
  if (record.finalReason) console.log(`  ${record.finalReason}`);
  for (const attempt of record.attempts) {
    const error = attempt.errorCode ? `  ${attempt.errorCode}: ${attempt.errorMessage ?? ""}` : "";
    const at = new Date(attempt.startedAt).toISOString();
    const version = attempt.version === undefined ? "" : `  v${attempt.version}`;
    console.log(
      `  #${attempt.attempt}  ${attempt.outcome}${version}  ${at}  ${formatDuration(Math.round(attempt.durationMs))}  ${attempt.requestId}${error}`,
    );
  }
}
