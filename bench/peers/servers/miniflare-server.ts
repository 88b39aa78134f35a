// Miniflare in its own process, serving the Workers version of the functions.
// Usage: node bench/peers/servers/miniflare-server.ts <peersDir> <workerDir> <port>
// Miniflare is installed on demand under <peersDir>, not a dependency of Nimbus, so it is
// imported by path and typed by the little this script uses.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface MiniflareInstance {
  ready: Promise<URL>;
  dispose(): Promise<void>;
}
type MiniflareClass = new (options: Record<string, unknown>) => MiniflareInstance;

const [peersDir, workerDir, port] = process.argv.slice(2) as [string, string, string];
const entry = join(peersDir, "node_modules", "miniflare", "dist", "src", "index.js");
const { Miniflare } = (await import(pathToFileURL(entry).href)) as { Miniflare: MiniflareClass };
const miniflare = new Miniflare({
  host: "127.0.0.1",
  port: Number(port),
  compatibilityDate: "2025-01-01",
  modulesRoot: workerDir,
  modules: [
    { type: "ESModule", path: join(workerDir, "worker.js") },
    { type: "ESModule", path: join(workerDir, "work.js") },
  ],
});
const url = await miniflare.ready;
console.log(`ready ${url.origin}`);
process.on("SIGTERM", () => {
  void miniflare.dispose().then(() => process.exit(0));
});
