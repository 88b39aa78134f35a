// Background work of a node (lease renewals, following deployments) has no caller to answer:
// its failures go to the server log as one line each. They are expected while the database
// or the bundle store is unreachable, so a stack trace would only bury the reason.
export function reportBackgroundError(what: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`nimbus: ${what}: ${reason}`);
}
