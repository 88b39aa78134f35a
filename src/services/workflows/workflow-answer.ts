// The answer of one workflow replay, as the function's SDK sends it back; validated here
// because function code is not trusted to send well-formed data.
import { z } from "zod";

const journalEntry = z.strictObject({
  seq: z.int().min(0),
  key: z.string().min(1).max(600),
  kind: z.enum(["step", "sleep", "event", "value", "child", "patch"]),
  name: z.string().max(512),
  state: z.enum(["pending", "done"]),
  output: z.string().optional(),
  error: z.string().optional(),
  attempts: z.int().min(0),
  wakeAt: z.number().optional(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
});

export const workflowAnswerSchema = z.strictObject({
  entries: z.array(journalEntry),
  consumedEventIds: z.array(z.string()),
  outcome: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("suspend"), dueAt: z.number().optional() }),
    z.strictObject({ type: z.literal("complete"), output: z.string() }),
    z.strictObject({ type: z.literal("fail"), error: z.string() }),
    z.strictObject({ type: z.literal("park"), error: z.string() }),
    z.strictObject({ type: z.literal("continue"), input: z.string() }),
  ]),
  children: z
    .array(
      z.strictObject({
        key: z.string().min(1).max(600),
        workflow: z.string().min(1).max(256),
        input: z.string(),
      }),
    )
    .optional(),
  customStatus: z.string().optional(),
  cancelSeen: z.boolean().optional(),
});

export type WorkflowAnswer = z.infer<typeof workflowAnswerSchema>;
