import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { runStoreConformance } from "../conformance/store-conformance.ts";
import { openSqliteStore } from "./index.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-sqlite-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
runStoreConformance("sqlite", async () => openSqliteStore(join(root, `db-${counter++}`)));
