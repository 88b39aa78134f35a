#!/usr/bin/env node
// Node >= 22.18 runs the TypeScript sources directly (type stripping). The compile cache keeps
// the stripped and compiled modules on disk (in the OS temp folder), so every start after the
// first skips most of that work: `nimbus up` is ready in about half the time.
import { enableCompileCache } from "node:module";

enableCompileCache?.();
await import("../src/cli/main.ts");
