import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERROR_CODES, NimbusError } from "./errors.ts";

test("every error code is documented in docs/errors.md, and nothing else is", () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const documented = [...doc.matchAll(/^### `([A-Z_]+)`/gm)].map((match) => match[1]);
  assert.deepEqual([...documented].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    const section = doc.slice(doc.indexOf(`### \`${code}\``)).split("\n### ")[0] as string;
    assert.match(
      section,
      new RegExp(`HTTP ${spec.status}\\b`),
      `${code} documents its status ${spec.status}`,
    );
  }
});

test("an error becomes a JSON body with its code, hint and request id", () => {
  const error = new NimbusError("TOO_MANY_REQUESTS", "busy", { headers: { "retry-after": "1" } });
  assert.equal(error.status, 429);
  assert.deepEqual(error.toBody("req-1"), {
    error: {
      code: "TOO_MANY_REQUESTS",
      message: "busy",
      hint: ERROR_CODES.TOO_MANY_REQUESTS.hint,
      requestId: "req-1",
    },
  });
  assert.equal(error.headers["retry-after"], "1");
});
