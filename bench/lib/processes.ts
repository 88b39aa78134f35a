// Child processes for the benchmarks: every one is tracked so a run, even a failed one,
// leaves nothing behind (`killAll` in a finally block), and every wait is bounded.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const children = new Set<ChildProcess>();

export interface Server {
  child: ChildProcess;
  url: string;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Defaults to this Node; a peer may bring its own binary (workerd). */
  command?: string;
  timeoutMs?: number;
  /** Hide the process' stderr unless BENCH_VERBOSE is set (serverless is chatty there). */
  quiet?: boolean;
}

/** Starts a process that prints `ready <url>` (or `ready on <url>`) once it serves. */
export async function startProcess(args: string[], options: StartOptions = {}): Promise<Server> {
  const child = spawnTracked(args, options);
  let output = "";
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk;
        const match = /ready (?:on )?(http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
      child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${output}`)));
    }),
    options.timeoutMs ?? 60_000,
    `${args.join(" ")} did not print ready`,
  ).catch((error: unknown) => {
    signalGroup(child, "SIGKILL");
    throw error;
  });
  return { child, url };
}

/**
 * Spawns a tracked process in its own process group (so `stopProcess` reaches the
 * processes it starts itself: Miniflare's workerd, serverless' plugins), with a clean
 * environment like a production start (NODE_EXTRA_CA_CERTS would slow every spawn).
 */
export function spawnTracked(args: string[], options: StartOptions = {}): ChildProcess {
  stopChildrenOnInterrupt();
  const child = spawn(options.command ?? process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ["ignore", "pipe", options.quiet && !process.env.BENCH_VERBOSE ? "ignore" : "inherit"],
    detached: true,
  });
  // Always drain stdout: a peer that logs every request (serverless-offline) would block
  // once the pipe's buffer filled.
  child.stdout?.on("data", () => {});
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader exited. */
export async function stopProcess(server: { child: ChildProcess }, graceMs = 5_000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // What the leader started may outlive it; nothing of a finished system may keep running.
  signalGroup(child, "SIGKILL");
}

/**
 * Ctrl-C reaches the terminal's foreground process group only, not the groups of our
 * children, and Node exits on SIGINT without running finally blocks: stop them here.
 */
let interruptHandled = false;
function stopChildrenOnInterrupt(): void {
  if (interruptHandled) return;
  interruptHandled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

export function killAll(): void {
  for (const child of children) signalGroup(child, "SIGKILL");
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
