// The systems the peers benchmark compares, each started the way its users run it locally,
// all serving the same two functions (bench/peers/functions/): GET hello and POST work.
import type { ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_KEY } from "../lib/nimbus.ts";
import { ROOT, spawnTracked, startProcess } from "../lib/processes.ts";
import { freePort } from "./free-port.ts";
import { PEERS_DIR, workerdBinary } from "./install.ts";
import { serverlessYaml, workerdConfig } from "./peer-configs.ts";

const FUNCTIONS = join(ROOT, "bench", "peers", "functions");

export interface Started {
  child: ChildProcess;
  /** The origin; requests go to `${url}${system.helloPath}` and so on. */
  url: string;
}

export interface System {
  name: string;
  helloPath: string;
  workPath: string;
  /**
   * For systems with the notion: `expired-instance` (Nimbus: a `keepWarm: 1ms` function, so
   * every call after its instance expired is cold, many samples per start) or `first-call`
   * (serverless-offline: the first call of a function since the start, one per start).
   */
  cold?: { path: string; kind: "expired-instance" | "first-call" };
  /** Spawns it; resolves with its URL (possibly before it serves: the caller polls `helloPath`). */
  start(scratch: string): Promise<Started>;
}

const bare: System = {
  name: "bare node:http (baseline)",
  helloPath: "/hello",
  workPath: "/work",
  start: () => startProcess(["bench/servers/bare-http.ts"]),
};

const fastify: System = {
  name: "Fastify",
  helloPath: "/hello",
  workPath: "/work",
  start: () => startProcess(["bench/servers/fastify-server.ts"]),
};

const NIMBUS_STYLES = {
  fetch: { label: "fetch-style handler", hello: "/fetch", work: "/work-fetch", cold: "/cold" },
  lambda: { label: "Lambda-style handler", hello: "/lambda", work: "/work-lambda", cold: "/cold-lambda" },
  // Not a handler style: the fetch-style functions with one instance taking 16 calls at once,
  // to show in the same run what per-instance concurrency changes (issue 8, part 2).
  shared: {
    label: "fetch-style, perInstance: 16 (one instance)",
    hello: "/fetch-shared",
    work: "/work-fetch-shared",
    cold: undefined,
  },
} as const;

function nimbus(style: keyof typeof NIMBUS_STYLES): System {
  const paths = NIMBUS_STYLES[style];
  return {
    name: `Nimbus, ${paths.label}`,
    helloPath: paths.hello,
    workPath: paths.work,
    cold: paths.cold === undefined ? undefined : { path: paths.cold, kind: "expired-instance" },
    start: (scratch) =>
      startProcess(["bench/servers/nimbus-server.ts", join(ROOT, "bench", "apps", "peers"), scratch], {
        env: { NIMBUS_ADMIN_KEY: ADMIN_KEY },
      }),
  };
}

/** Copies the Workers files next to a workerd config that embeds them (paths are relative to it). */
function workerDir(scratch: string): string {
  const dir = join(scratch, "worker");
  mkdirSync(dir, { recursive: true });
  for (const file of ["worker.js", "work.js"]) cpSync(join(FUNCTIONS, file), join(dir, file));
  return dir;
}

const workerd: System = {
  name: "workerd",
  helloPath: "/hello",
  workPath: "/work",
  async start(scratch) {
    const dir = workerDir(scratch);
    const port = await freePort();
    writeFileSync(join(dir, "config.capnp"), workerdConfig(port));
    const child = spawnTracked(["serve", "config.capnp"], {
      command: workerdBinary(),
      cwd: dir,
      quiet: true,
    });
    return { child, url: `http://127.0.0.1:${port}` };
  },
};

const miniflare: System = {
  name: "Miniflare",
  helloPath: "/hello",
  workPath: "/work",
  async start(scratch) {
    const port = await freePort();
    const dir = workerDir(scratch);
    return startProcess(["bench/peers/servers/miniflare-server.ts", PEERS_DIR, dir, String(port)], {
      quiet: true,
    });
  },
};

/** serverless-offline with everything that would call out switched off; no AWS account. */
const serverlessOffline: System = {
  name: "serverless-offline",
  helloPath: "/hello",
  workPath: "/work",
  cold: { path: "/cold", kind: "first-call" },
  async start(scratch) {
    // Inside .bench/peers, so `plugins: [serverless-offline]` resolves from its node_modules;
    // one folder, rewritten at each start, because one system runs at a time.
    const service = join(PEERS_DIR, "service");
    mkdirSync(service, { recursive: true });
    for (const file of ["lambda.js", "work.js"]) cpSync(join(FUNCTIONS, file), join(service, file));
    writeFileSync(join(service, "package.json"), '{ "private": true, "type": "module" }\n');
    writeFileSync(join(service, "serverless.yml"), serverlessYaml());
    const [httpPort, lambdaPort] = [await freePort(), await freePort()];
    const cli = join(PEERS_DIR, "node_modules", "serverless", "bin", "serverless.js");
    const child = spawnTracked(
      [cli, "offline", "start", "--host", "127.0.0.1", "--httpPort", String(httpPort)].concat([
        "--lambdaPort",
        String(lambdaPort),
        "--noPrependStageInUrl",
      ]),
      {
        cwd: service,
        quiet: true,
        env: {
          HOME: scratch, // no ~/.serverlessrc or config from the user's home
          SLS_TELEMETRY_DISABLED: "1",
          SLS_TRACKING_DISABLED: "1",
          SLS_NOTIFICATIONS_MODE: "off",
          SLS_DEPRECATION_DISABLE: "*",
          SLS_INTERACTIVE_SETUP_DISABLE: "1",
          SLS_AUTOUPDATE_DISABLED: "1",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_ACCESS_KEY_ID: "bench",
          AWS_SECRET_ACCESS_KEY: "bench",
          CI: "1",
        },
      },
    );
    return { child, url: `http://127.0.0.1:${httpPort}` };
  },
};

export const SYSTEMS: readonly System[] = [
  bare,
  fastify,
  nimbus("fetch"),
  nimbus("lambda"),
  nimbus("shared"),
  workerd,
  miniflare,
  serverlessOffline,
];
