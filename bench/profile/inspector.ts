// CPU profiles of running processes through the inspector: SIGUSR1 opens it (on the port the
// process was started with, `--inspect-port`, or 9229), and the Profiler domain records the
// window we choose, so start-up and deploy do not pollute the warm path's profile. This
// reaches function instances too, which are spawned by the runtime with arguments we cannot add.
import { withTimeout } from "../lib/processes.ts";

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  stop(): Promise<CpuProfile>;
}

async function debuggerUrl(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/list`, {
        signal: AbortSignal.timeout(500),
      });
      const targets = (await response.json()) as { webSocketDebuggerUrl: string }[];
      if (targets[0]) return targets[0].webSocketDebuggerUrl;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no inspector on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Opens the inspector of `pid` (listening on `port` once signalled) and starts profiling. */
export async function startProfiler(pid: number, port: number, timeoutMs = 5_000): Promise<Profiler> {
  process.kill(pid, "SIGUSR1");
  const socket = new WebSocket(await debuggerUrl(port, timeoutMs));
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("error", reject, { once: true });
    }),
    timeoutMs,
    "inspector connection",
  );
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}): Promise<unknown> => {
    const id = nextId++;
    socket.send(JSON.stringify({ id, method, params }));
    return withTimeout(new Promise((resolve) => pending.set(id, resolve)), 30_000, method);
  };
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 }); // µs; finer than the default 1 ms
  await call("Profiler.start");
  return {
    async stop() {
      const { profile } = (await call("Profiler.stop")) as { profile: CpuProfile };
      socket.close();
      return profile;
    },
  };
}
