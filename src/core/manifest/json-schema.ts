// The JSON Schema of nimbus.yaml, generated from the zod schema so the two never disagree.
import { z } from "zod";
import { manifestSchema } from "./schema.ts";

export function manifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(manifestSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://nimbus.dev/schema/nimbus.schema.json",
    title: "Nimbus app manifest (nimbus.yaml)",
  };
}

export function manifestJsonSchemaText(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}
