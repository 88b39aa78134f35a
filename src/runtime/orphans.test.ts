// No instance process outlives its server: not after Runtime.stop, not after kill -9.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FIXTURES_DIR, httpRequest, processesMentioning, startHarness, waitFor } from "./fixtures/harness.ts";

describe("instance processes", () => {
  it("are all gone when Runtime.stop resolves, and calls are refused after", async () => {
    const harness = await startHarness();
    const pool = await harness.runtime.activate(
      await harness.deploy("behaviours", { concurrency: { min: 2 } }),
    );
    const running = pool.invoke(httpRequest("/sleep?ms=10000"), { requestId: "in-flight" });
    await waitFor("stem cells", () => harness.runtime.stats().stemCells === 2);
    assert.equal(processesMentioning(harness.dataDir).length, 4);
    await harness.runtime.stop();
    assert.deepEqual(processesMentioning(harness.dataDir), []);
    assert.equal((await running).errorCode, "PLATFORM_UNAVAILABLE");
    await assert.rejects(pool.invoke(httpRequest("/hello"), { requestId: "late" }), {
      code: "PLATFORM_UNAVAILABLE",
    });
    await assert.rejects(harness.runtime.activate(pool.deployment), { code: "PLATFORM_UNAVAILABLE" });
    await harness.close();
  });

  it("die with a server killed with -9, even one stuck in a synchronous loop", async () => {
    const parent = spawn(process.execPath, [join(FIXTURES_DIR, "orphan-parent.ts")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    parent.stdout.setEncoding("utf8");
    parent.stdout.on("data", (chunk: string) => {
      output += chunk;
    });
    try {
      const line = await waitFor("the parent's report", () => output.includes("\n") && output, 15_000);
      const { dataDir, pid, spinning } = JSON.parse(line) as {
        dataDir: string;
        pid: number;
        spinning: boolean;
      };
      assert.ok(processesMentioning(dataDir).includes(pid));
      assert.equal(processesMentioning(dataDir).length, 3, "the instance and two stem cells");
      const exited = once(parent, "exit");
      parent.kill("SIGKILL");
      await exited;
      await waitFor("every instance process to exit", () => processesMentioning(dataDir).length === 0);
      if (!spinning) console.log("# setpriv is missing: the stuck-instance case was not exercised");
      await rm(dataDir, { recursive: true, force: true });
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
