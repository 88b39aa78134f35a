// A Nimbus platform in its own process for the benchmarks: deploys an app and prints its URL.
// Usage: node bench/servers/nimbus-server.ts <appDir> <dataDir> [stemCellsPerMemorySize]
import { packageApp } from "../../src/control/package-app.ts";
import { createPlatform } from "../../src/platform.ts";

const [appDir, dataDir, stemCells = "2"] = process.argv.slice(2) as [string, string, string?];
const platform = createPlatform({
  dataDir,
  port: 0,
  adminKey: "nk_bench_0123456789abcdef",
  stemCellsPerMemorySize: Number(stemCells),
});
const { url } = await platform.start();
await platform.deploy(await packageApp(appDir));
console.log(`ready ${url}`);
process.on("SIGTERM", () => {
  void platform.stop().then(() => process.exit(0));
});
