// nimbus dev [dir]: serve an app locally, redeploying on every save. The old version keeps
// serving until the new one has loaded, so a save never fails a request.
import { watch } from "node:fs";
import { join, resolve } from "node:path";
import { formatPlan } from "../../control/deploy-plan.ts";
import { packageApp } from "../../control/package-app.ts";
import { createPlatform } from "../../platform.ts";
import { rememberServer } from "../credentials.ts";
import { reportError } from "../output.ts";
import { printLogLine } from "./print-log.ts";

export interface DevOptions {
  port: number;
  host: string;
  dataDir?: string;
}

const IGNORED = /(^|[/\\])(\.nimbus|node_modules|\.git)([/\\]|$)/;

export async function dev(dir: string, options: DevOptions): Promise<void> {
  const appDir = resolve(dir);
  const dataDir = resolve(options.dataDir ?? join(appDir, ".nimbus"));
  const platform = createPlatform(
    { dataDir, port: options.port, host: options.host },
    { onLog: (line) => printLogLine(line) },
  );
  const { url, createdAdminKey } = await platform.start();
  rememberServer(dataDir, url, createdAdminKey);
  if (createdAdminKey) console.log(`Admin key (shown once, saved for the CLI): ${createdAdminKey}`);

  const deploy = async (): Promise<boolean> => {
    const started = performance.now();
    try {
      const { plan, deployment } = await platform.deploy(await packageApp(appDir));
      const ms = Math.round(performance.now() - started);
      console.log(`${formatPlan(plan)}\nDeployed ${plan.app} v${deployment?.version} in ${ms} ms`);
      return true;
    } catch (error) {
      reportError(error, false);
      return false;
    }
  };
  await deploy();
  console.log(`Nimbus dev server on ${url} (watching ${appDir}; Ctrl-C to stop)`);

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const watcher = watch(appDir, { recursive: true }, (_event, file) => {
    if (file && IGNORED.test(file)) return;
    clearTimeout(timer);
    // A save often fires several events; deploy once they settle, one deploy at a time.
    timer = setTimeout(() => {
      running = running.then(deploy);
    }, 25);
  });

  await new Promise<void>((done) => {
    const shutdown = () => done();
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
  watcher.close();
  clearTimeout(timer);
  await running;
  await platform.stop();
}
