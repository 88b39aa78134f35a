import { randomBytes, randomUUID } from "node:crypto";

/** Request ids are UUIDs, as Lambda's awsRequestId. */
export function newRequestId(): string {
  return randomUUID();
}

/** A random token with a readable prefix, e.g. "nk_admin_…". */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString("base64url")}`;
}
