// nimbus/testing: start an isolated platform on a free port for your own tests.
//
//   const nimbus = await startTestPlatform({ appDir: "." });
//   const response = await fetch(`${nimbus.url}/users/42`);
//   await nimbus.stop();

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeployResult } from "../control/deployer.ts";
import { packageApp } from "../control/package-app.ts";
import { createPlatform, type Platform, type PlatformHooks, type PlatformOptions } from "../platform.ts";

export interface TestPlatformOptions {
  /** An app folder (with nimbus.yaml) to deploy once the platform is up. */
  readonly appDir?: string;
  /** Platform options; dataDir defaults to a fresh temporary folder that stop() removes. */
  readonly options?: Omit<PlatformOptions, "port">;
  readonly hooks?: PlatformHooks;
}

export interface TestPlatform {
  readonly url: string;
  /** The admin key, for calls to /_nimbus/ (Authorization: Bearer …). */
  readonly adminKey: string;
  readonly dataDir: string;
  readonly platform: Platform;
  /** Deploys (or redeploys) an app folder. */
  deploy(appDir: string): Promise<DeployResult>;
  /** Calls the admin API with the admin key. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestPlatform(input: TestPlatformOptions = {}): Promise<TestPlatform> {
  const ownsDataDir = input.options?.dataDir === undefined;
  const dataDir = input.options?.dataDir ?? mkdtempSync(join(tmpdir(), "nimbus-test-"));
  const adminKey = input.options?.adminKey ?? `nk_test_${randomBytes(16).toString("hex")}`;
  const platform = createPlatform({ ...input.options, dataDir, adminKey, port: 0 }, input.hooks);
  const { url } = await platform.start();
  const handle: TestPlatform = {
    url,
    adminKey,
    dataDir,
    platform,
    async deploy(appDir) {
      return platform.deploy(await packageApp(appDir));
    },
    admin(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${adminKey}`);
      return fetch(`${url}/_nimbus${path}`, { ...init, headers });
    },
    async stop() {
      await platform.stop();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    if (input.appDir) await handle.deploy(input.appDir);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}
