// Row shape and conversion both async-invocation adapters share.
import type { AsyncAttempt, AsyncInvocationRecord, AsyncInvocationStatus } from "./async-invocation-ports.ts";

export interface AsyncInvocationRow {
  id: string;
  app: string;
  function_name: string;
  payload: Uint8Array;
  idempotency_key: string | null;
  cloud_event: string | null;
  qualifier: string | null;
  status: AsyncInvocationStatus;
  created_at: number;
  next_attempt_at: number;
  claim_token: number;
  counted_attempts: number;
  max_attempts: number;
  expires_at: number;
  final_reason: string | null;
  attempts: string;
}

export function toAsyncInvocation(row: AsyncInvocationRow): AsyncInvocationRecord {
  return {
    id: row.id,
    app: row.app,
    functionName: row.function_name,
    payload: new Uint8Array(row.payload),
    idempotencyKey: row.idempotency_key ?? undefined,
    cloudEvent: row.cloud_event ?? undefined,
    qualifier: row.qualifier ?? undefined,
    status: row.status,
    createdAt: Number(row.created_at),
    nextAttemptAt: Number(row.next_attempt_at),
    countedAttempts: Number(row.counted_attempts),
    maxAttempts: Number(row.max_attempts),
    expiresAt: Number(row.expires_at),
    finalReason: row.final_reason ?? undefined,
    attempts: (JSON.parse(row.attempts) as AsyncAttempt[]).map((attempt) => ({
      ...attempt,
      errorCode: attempt.errorCode ?? undefined,
      errorMessage: attempt.errorMessage ?? undefined,
      ...(attempt.version ? { version: attempt.version } : {}),
    })),
  };
}

/** JSON of the attempts list with one more (undefined fields become null, so they survive JSON). */
export function appendAttempt(attemptsJson: string, attempt: AsyncAttempt): string {
  const attempts = JSON.parse(attemptsJson) as unknown[];
  attempts.push({
    ...attempt,
    errorCode: attempt.errorCode ?? null,
    errorMessage: attempt.errorMessage ?? null,
  });
  return JSON.stringify(attempts);
}
