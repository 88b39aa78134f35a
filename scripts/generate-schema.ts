// Writes schema/nimbus.schema.json from the zod schema (npm run schema).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { manifestJsonSchemaText } from "../src/core/manifest/json-schema.ts";

const target = fileURLToPath(new URL("../schema/nimbus.schema.json", import.meta.url));
writeFileSync(target, manifestJsonSchemaText());
console.log(`wrote ${target}`);
