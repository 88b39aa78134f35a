// Deploying custom runtimes: what a package must hold, what a failed start does, and that
// an unchanged folder keeps its warm instances. Apps are written to temp folders here.
import assert from "node:assert/strict";
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AppPackage, packageToRequest } from "../src/control/app-package.ts";
import { packageApp } from "../src/control/package-app.ts";
import type { NimbusError } from "../src/core/errors.ts";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { FIXTURES, json } from "./helpers.ts";

const PROBE = join(FIXTURES, "custom-lab", "probe");

/** An app folder with the probe as function `fn` and these manifest lines for it. */
function probeApp(root: string, app: string, extra = ""): string {
  const dir = join(root, app);
  cpSync(PROBE, join(dir, "fn"), { recursive: true });
  writeFileSync(
    join(dir, "nimbus.yaml"),
    `app: ${app}\nfunctions:\n  fn:\n    runtime: custom\n    handler: fn/probe.run\n${extra}    events:\n      - http: GET /probe/{action}\n`,
  );
  return dir;
}

/** Pids of bootstrap processes running from this platform's task roots. */
function bootstrapsOf(dataDir: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(join(dataDir, "runtime", "tasks"));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function rejection(promise: Promise<unknown>): Promise<NimbusError> {
  try {
    await promise;
  } catch (error) {
    return error as NimbusError;
  }
  assert.fail("expected a rejection");
}

describe("deploying custom runtimes", () => {
  let nimbus: TestPlatform;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "nimbus-custom-apps-"));
    nimbus = await startTestPlatform();
  });
  after(async () => {
    await nimbus?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("refuses a deploy whose runtime reports an init error, logs it, and leaves nothing running", async () => {
    const dir = probeApp(root, "init-error", "    env: { PROBE_INIT: error }\n");
    const error = await rejection(nimbus.deploy(dir));
    assert.equal(error.code, "FUNCTION_INIT_ERROR");
    assert.match(error.message, /Probe\.InitFailed: cannot connect to the database/);
    assert.equal((await nimbus.admin("/apps/init-error")).status, 404, "nothing was deployed");
    assert.deepEqual(bootstrapsOf(nimbus.dataDir), []);
    const { lines } = await json<{ lines: { message: string }[] }>(nimbus.admin("/apps/init-error/logs"));
    assert.ok(lines.some((line) => line.message === "probe: failing init on purpose"));
    assert.ok(
      lines.some((line) =>
        /Probe\.InitFailed: cannot connect to the database\n {4}probe\.py line 1/.test(line.message),
      ),
    );
  });

  it("refuses a deploy whose runtime exits before asking for its first event", async () => {
    const dir = probeApp(root, "init-exit", "    env: { PROBE_INIT: exit }\n");
    const error = await rejection(nimbus.deploy(dir));
    assert.equal(error.code, "FUNCTION_INIT_ERROR");
    assert.match(error.message, /exited while loading the function code \(exit code 2\)/);
    assert.deepEqual(bootstrapsOf(nimbus.dataDir), []);
  });

  it("refuses to package a folder without an executable bootstrap, or with a symbolic link", async () => {
    const missing = probeApp(root, "no-bootstrap");
    rmSync(join(missing, "fn", "bootstrap"));
    const noBootstrap = await rejection(packageApp(missing));
    assert.equal(noBootstrap.code, "FUNCTION_PACKAGE_INVALID");
    assert.match(noBootstrap.message, /bootstrap is missing/);

    const plain = probeApp(root, "not-executable");
    chmodSync(join(plain, "fn", "bootstrap"), 0o644);
    const notExecutable = await rejection(packageApp(plain));
    assert.equal(notExecutable.code, "FUNCTION_PACKAGE_INVALID");
    assert.match(notExecutable.message, /chmod \+x/);

    const linked = probeApp(root, "linked");
    symlinkSync("/etc/hostname", join(linked, "fn", "hostname"));
    const link = await rejection(packageApp(linked));
    assert.equal(link.code, "FUNCTION_PACKAGE_INVALID");
    assert.match(link.message, /"hostname" is a symbolic link/);
  });

  it("refuses a package the server cannot run (400), and stores nothing", async () => {
    const pkg = await packageApp(probeApp(root, "crafted"));
    const send = (code: Uint8Array) => {
      const tampered: AppPackage = { ...pkg, bundles: { fn: { code, sourceMap: undefined } } };
      return nimbus.admin("/deployments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(packageToRequest(tampered)),
      });
    };
    const notAnArchive = await send(Buffer.from("#!/bin/sh\necho hi\n"));
    assert.equal(notAnArchive.status, 400);
    const body = await notAnArchive.json();
    assert.equal(body.error.code, "FUNCTION_PACKAGE_INVALID");
    assert.match(body.error.message, /not a gzip-compressed tar archive/);
    assert.equal((await nimbus.admin("/apps/crafted")).status, 404);
  });

  it("keeps the warm instance of an unchanged folder across deploys, and replaces a changed one", async () => {
    const dir = probeApp(root, "stable");
    await nimbus.deploy(dir);
    const pid = async () => (await json<{ pid: number }>(fetch(`${nimbus.url}/probe/pid`))).pid;
    const first = await pid();
    const again = await nimbus.deploy(dir);
    assert.deepEqual(again.plan.entries, [{ functionName: "fn", action: "unchanged" }]);
    assert.equal(await pid(), first, "same package bytes, same pool, same process");
    writeFileSync(join(dir, "fn", "data.txt"), "a new file");
    await nimbus.deploy(dir);
    assert.notEqual(await pid(), first, "a changed folder is a new version with new instances");
  });
});
