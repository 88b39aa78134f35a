import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NimbusError } from "../core/errors.ts";
import { bundleFunction } from "./bundler.ts";

let appDir: string;
let outDir: string;

async function write(path: string, text: string): Promise<void> {
  await mkdir(join(appDir, path, ".."), { recursive: true });
  await writeFile(join(appDir, path), text);
}

function isNimbusError(code: NimbusError["code"], pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof NimbusError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

before(async () => {
  appDir = await mkdtemp(join(tmpdir(), "nimbus-bundler-test-"));
  outDir = join(appDir, ".out");
  // A CommonJS dependency that requires a builtin: needs the createRequire banner in ESM output.
  await write("node_modules/legacy/package.json", JSON.stringify({ name: "legacy", main: "index.js" }));
  await write(
    "node_modules/legacy/index.js",
    'const path = require("node:path");\nexports.base = (p) => path.basename(p);\n',
  );
  await write(
    "src/api.ts",
    'import { base } from "legacy";\nexport const handler = async (): Promise<string> => base("/a/b/c.txt");\n',
  );
  await write("src/broken.ts", "export const handler = (;\n");
  await write("src/legacy-style.cjs", "exports.handler = async () => 'cjs';\n");
  // `exports.x = …` in a .js file that "type": "module" makes ESM exports nothing.
  await write("esm-package/package.json", JSON.stringify({ type: "module" }));
  await write("esm-package/handler.js", "exports.handler = async () => 'never';\n");
});

after(async () => {
  await rm(appDir, { recursive: true, force: true });
});

describe("bundleFunction", () => {
  it("bundles a TypeScript handler and its CommonJS dependencies into one ESM file with a source map", async () => {
    const outFile = join(outDir, "api.mjs");
    const { bundlePath } = await bundleFunction({
      appDir,
      handler: { file: "src/api", exportName: "handler" },
      outFile,
    });
    assert.equal(bundlePath, outFile);
    assert.ok(existsSync(`${outFile}.map`));
    assert.match(readFileSync(outFile, "utf8"), /\/\/# sourceMappingURL=api\.mjs\.map/);
    const script = `import(${JSON.stringify(outFile)}).then(async (m) => console.log(await m.handler()))`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    assert.equal(run.stderr, "");
    assert.equal(run.stdout.trim(), "c.txt");
    assert.deepEqual(
      readdirSync(outDir).filter((name) => name.endsWith(".tmp")),
      [],
      "no temp files left behind",
    );
  });

  it("refuses a missing handler file, naming the paths it tried", async () => {
    await assert.rejects(
      bundleFunction({
        appDir,
        handler: { file: "src/nope", exportName: "handler" },
        outFile: join(outDir, "x.mjs"),
      }),
      isNimbusError("HANDLER_NOT_FOUND", /src\/nope\.ts.*src\/nope\.mjs.*src\/nope\.jsx/),
    );
  });

  it("refuses a handler file without the export, at deploy time", async () => {
    await assert.rejects(
      bundleFunction({
        appDir,
        handler: { file: "src/api", exportName: "main" },
        outFile: join(outDir, "y.mjs"),
      }),
      isNimbusError("HANDLER_NOT_FOUND", /does not export "main" \(it exports: handler\)/),
    );
    assert.equal(existsSync(join(outDir, "y.mjs")), false);
  });

  it("says why an export is missing when esbuild knows", async () => {
    await assert.rejects(
      bundleFunction({
        appDir,
        handler: { file: "esm-package/handler", exportName: "handler" },
        outFile: join(outDir, "esm.mjs"),
      }),
      isNimbusError(
        "HANDLER_NOT_FOUND",
        /exports: nothing\)\nesm-package\/handler\.js:1:1: The CommonJS "exports"/,
      ),
    );
  });

  it("reports build errors as file:line:col", async () => {
    await assert.rejects(
      bundleFunction({
        appDir,
        handler: { file: "src/broken", exportName: "handler" },
        outFile: join(outDir, "z.mjs"),
      }),
      isNimbusError("BUNDLE_FAILED", /src\/broken\.ts:1:25: Unexpected/),
    );
  });

  it("accepts a CommonJS entry, whose exports are only known at run time", async () => {
    const { bundlePath } = await bundleFunction({
      appDir,
      handler: { file: "src/legacy-style", exportName: "handler" },
      outFile: join(outDir, "cjs.mjs"),
    });
    assert.ok(existsSync(bundlePath));
  });
});
