// Runs the real `nimbus` command as a user would.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, waitFor } from "./helpers.ts";

export const NIMBUS_BIN = join(REPO, "bin", "nimbus.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NIMBUS_BIN, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** kill -9 and wait for the exit: a crash, with no shutdown code run. */
  kill(): Promise<void>;
}

/** Starts a long-running command (`up`, `dev`) and waits for the URL it prints. */
export async function startServer(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = REPO,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [NIMBUS_BIN, ...args], { cwd, env: { ...process.env, ...env } });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`nimbus ${args[0]} exited: ${output}`);
      return /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    },
    `nimbus ${args[0]} to print its URL`,
    20_000,
  );
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * `nimbus up` processes on one data directory, to be killed and restarted (crash tests):
 * short leases (2 s) so a restarted node takes over a dead one's claims quickly. All are
 * stopped, and the folder removed, by `cleanUp` (call it from `after`).
 */
export function crashableServers(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const adminKey = `nk_test_${prefix.replace(/[^a-z]/g, "_")}0123456789abcdef`;
  const servers: ServerProcess[] = [];
  const env = { NIMBUS_ADMIN_KEY: adminKey, XDG_CONFIG_HOME: root };
  return {
    root,
    env,
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    async up(): Promise<ServerProcess> {
      const server = await startServer(
        ["up", "--port", "0", "--data-dir", join(root, "data"), "--lease-ttl-ms", "2000"],
        env,
      );
      servers.push(server);
      return server;
    },
    async cleanUp(): Promise<void> {
      for (const server of servers) await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Pids of the direct children of a process (from /proc). */
export async function childPids(pid: number): Promise<number[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid ...; comm may hold spaces, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === pid) pids.push(Number(entry));
  }
  return pids;
}
