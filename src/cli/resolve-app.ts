// Which app a command means: --app, else the app of nimbus.yaml in the current folder,
// else the only app the server has.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_NAMES, readManifest } from "../control/manifest-file.ts";
import type { AppSummary } from "../store/ports.ts";
import type { AdminClient } from "./admin-client.ts";
import { CliError } from "./output.ts";

export async function resolveApp(client: AdminClient, explicit: string | undefined): Promise<string> {
  if (explicit) return explicit;
  if (MANIFEST_NAMES.some((name) => existsSync(join(process.cwd(), name)))) {
    return readManifest(process.cwd()).config.app;
  }
  const { apps } = await client.request<{ apps: AppSummary[] }>("GET", "/apps");
  if (apps.length === 1) return (apps[0] as AppSummary).app;
  throw new CliError(
    "APP_REQUIRED",
    apps.length === 0 ? "The server has no apps" : `The server has ${apps.length} apps; say which one`,
    apps.length === 0 ? "Deploy one with 'nimbus deploy'." : "Pass --app <name>.",
  );
}
