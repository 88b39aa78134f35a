// Request bodies and parameters are validated once, at the edge, with zod; a failure is a
// clear error listing every problem (with a stable code) and changes nothing.
import type { z } from "zod";
import { type ErrorCode, NimbusError } from "../../core/errors.ts";

export function parseBody<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
  code: ErrorCode = "BAD_REQUEST",
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || what}: ${issue.message}`);
  throw new NimbusError(code, `Invalid ${what}: ${problems.join("; ")}`, { details: { problems } });
}
