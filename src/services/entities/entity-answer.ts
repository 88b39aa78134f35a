// The answers of an entity's function, validated here because function code is not trusted.
import { z } from "zod";
import { MAX_ENTITY_STATE_BYTES } from "./entity-limits.ts";

export const entityDescriptionSchema = z.strictObject({
  entity: z.string(),
  operations: z.record(z.string().min(1).max(256), z.enum(["read", "write"])),
});

export const entityRunAnswerSchema = z.strictObject({
  state: z
    .string()
    .refine((text) => Buffer.byteLength(text) <= MAX_ENTITY_STATE_BYTES, "the state is over the size limit"),
  results: z.array(
    z.strictObject({
      operationId: z.string(),
      output: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
});

export type EntityDescription = z.infer<typeof entityDescriptionSchema>;
export type EntityRunAnswer = z.infer<typeof entityRunAnswerSchema>;
