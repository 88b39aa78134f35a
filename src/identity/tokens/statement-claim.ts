// Policy statements carried inside Nimbus tokens (a function's permissions, session
// policies): the shape checked when a token is read back.
import { z } from "zod";

export const statementClaim = z.object({
  sid: z.string().optional(),
  effect: z.enum(["allow", "deny"]),
  actions: z.array(z.string()),
  resources: z.array(z.string()),
  conditions: z.record(z.string(), z.record(z.string(), z.array(z.string()))).optional(),
});

export type StatementClaim = z.infer<typeof statementClaim>;
