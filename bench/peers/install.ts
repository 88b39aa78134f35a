// Installs the peers on demand into .bench/peers (git-ignored, its own package.json), from
// the npm registry with exact versions, so none of them becomes a dependency of Nimbus and
// every run measures the same builds. A second run finds them installed and skips npm.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../lib/processes.ts";

export const PEERS_DIR = join(ROOT, ".bench", "peers");

/**
 * Exact versions; miniflare's own workerd is the same build as the standalone one. Install
 * scripts are not run: workerd's binary comes in its platform package (an optional dependency).
 */
export const PEER_VERSIONS = {
  workerd: "1.20260730.1",
  miniflare: "4.20260730.0",
  serverless: "3.40.0",
  "serverless-offline": "13.10.1",
} as const;

const INSTALL_TIMEOUT_MS = 5 * 60_000;
const run = promisify(execFile);

function installedVersion(name: string): string | undefined {
  const manifest = join(PEERS_DIR, "node_modules", name, "package.json");
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** Resolves when every pinned peer is installed; throws (with npm's last words) otherwise. */
export async function installPeers(): Promise<void> {
  const missing = Object.entries(PEER_VERSIONS).filter(
    ([name, version]) => installedVersion(name) !== version,
  );
  if (missing.length === 0) return;
  mkdirSync(PEERS_DIR, { recursive: true });
  writeFileSync(
    join(PEERS_DIR, "package.json"),
    `${JSON.stringify({ name: "nimbus-bench-peers", private: true, dependencies: PEER_VERSIONS }, null, 2)}\n`,
  );
  console.error(
    `bench:peers: installing ${missing.map(([n, v]) => `${n}@${v}`).join(", ")} into .bench/peers`,
  );
  await run(
    "npm",
    ["install", "--prefix", PEERS_DIR, "--no-audit", "--no-fund", "--save-exact", "--ignore-scripts"],
    {
      cwd: PEERS_DIR,
      timeout: INSTALL_TIMEOUT_MS,
      killSignal: "SIGKILL",
      maxBuffer: 16 * 2 ** 20,
    },
  ).catch((error: { stderr?: string; message: string }) => {
    throw new Error(
      `npm install failed: ${(error.stderr ?? error.message).trim().split("\n").slice(-3).join(" ")}`,
    );
  });
}

export function workerdBinary(): string {
  return join(PEERS_DIR, "node_modules", ".bin", "workerd");
}

export function peerVersion(name: keyof typeof PEER_VERSIONS): string {
  return installedVersion(name) ?? "not installed";
}
