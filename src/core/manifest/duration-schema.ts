// A duration field of nimbus.yaml ("500ms", "30s", "5m", "1h", "2d"), for the schema parts
// that schema.ts imports (they cannot import schema.ts back: that would be a cycle).
import { z } from "zod";
import { DURATION_PATTERN } from "../durations.ts";

export const durationField = (what: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, `expected a duration such as "500ms", "30s", "5m" or "1h" for ${what}`)
    .describe(`${what}, as a duration: "500ms", "30s", "5m", "1h", "2d"`);
