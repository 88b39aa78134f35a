// How the CLI talks to people and scripts: one clear line per error plus a hint;
// --json prints machine-readable results; failures exit non-zero.
import { ERROR_CODES, isErrorCode, NimbusError } from "../core/errors.ts";

export class CliError extends Error {
  readonly hint: string | undefined;
  readonly code: string;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function reportError(error: unknown, json: boolean): number {
  let code = "INTERNAL";
  let message = error instanceof Error ? error.message : String(error);
  let hint: string | undefined;
  if (error instanceof NimbusError || error instanceof CliError) {
    code = error.code;
    hint = error.hint;
  } else if (error instanceof Error && "code" in error && typeof error.code === "string") {
    code = error.code;
    if (code === "ECONNREFUSED") {
      message = "Could not reach the Nimbus server";
      hint = "Start it with 'nimbus dev' or 'nimbus up', or pass --url.";
    }
  }
  if (!hint && isErrorCode(code)) hint = ERROR_CODES[code].hint;
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, hint } })}\n`);
  } else {
    process.stderr.write(`error: ${message} [${code}]\n`);
    if (hint) process.stderr.write(`  hint: ${hint}\n`);
  }
  return 1;
}
