// No function instance outlives the server: not after a clean stop, not after kill -9.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { childPids, runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES, isAlive, waitFor } from "./helpers.ts";

const dataDirs: string[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  // A failed assertion must not leave a server (and its instances) running.
  for (const server of servers) await server.kill();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function serverWithInstances() {
  const dataDir = mkdtempSync(join(tmpdir(), "nimbus-orphans-"));
  dataDirs.push(dataDir);
  const env = { NIMBUS_ADMIN_KEY: "nk_test_orphans_0123456789abcdef", XDG_CONFIG_HOME: dataDir };
  const server = await startServer(["up", "--port", "0", "--data-dir", dataDir], env);
  servers.push(server);
  const deployed = await runCli(["deploy", join(FIXTURES, "lab"), "--url", server.url], env);
  assert.equal(deployed.code, 0, deployed.stderr);
  const pids = await Promise.all(
    ["idle", "shared", "lab"].map(
      async (fn) => ((await (await fetch(`${server.url}/${fn}/pid`)).json()) as { pid: number }).pid,
    ),
  );
  const children = await childPids(server.child.pid as number);
  for (const pid of pids) assert.ok(children.includes(pid), "instances are children of the server");
  assert.ok(children.length > pids.length, "stem cells are waiting too");
  return { server, children };
}

describe("instance processes", () => {
  it("all exit when the server stops", async () => {
    const { server, children } = await serverWithInstances();
    await server.stop();
    await waitFor(() => children.every((pid) => !isAlive(pid)), "every instance to exit");
  });

  it("all exit when the server is killed with kill -9", async () => {
    const { server, children } = await serverWithInstances();
    await server.kill();
    await waitFor(() => children.every((pid) => !isAlive(pid)), "every orphaned instance to exit");
  });
});
