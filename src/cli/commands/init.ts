// nimbus init [dir]: a working app from a template (the examples that ship with Nimbus).
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../output.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
const SCHEMA = fileURLToPath(new URL("../../../schema/nimbus.schema.json", import.meta.url));
export const TEMPLATES = ["hello", "lambda-http", "hono-app"] as const;

export function initApp(dir: string, template: string): string {
  if (!(TEMPLATES as readonly string[]).includes(template)) {
    throw new CliError(
      "TEMPLATE_UNKNOWN",
      `No template "${template}"`,
      `Templates: ${TEMPLATES.join(", ")}.`,
    );
  }
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new CliError("DIRECTORY_NOT_EMPTY", `${target} is not empty`, "Choose a new or empty folder.");
  }
  cpSync(join(EXAMPLES, template), target, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|\.nimbus)([/\\]|$)/.test(source),
  });
  const manifestPath = join(target, "nimbus.yaml");
  const app =
    basename(target)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .replace(/^[^a-z]+/, "") || "app";
  const manifest = readFileSync(manifestPath, "utf8")
    .replace(/\$schema=\S+/, `$schema=${SCHEMA}`)
    .replace(/^app: .*$/m, `app: ${app}`);
  writeFileSync(manifestPath, manifest);
  return target;
}
