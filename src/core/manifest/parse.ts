// nimbus.yaml text → AppConfig, or one NIMBUS_MANIFEST_INVALID error listing every problem
// with its file, line, path in the document, what was expected and a did-you-mean.
import { type Document, isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { NimbusError } from "../errors.ts";
import { closestMatch } from "./did-you-mean.ts";
import { type AppConfig, normalizeManifest } from "./normalize.ts";
import { manifestSchema } from "./schema.ts";

export interface ManifestProblem {
  readonly file: string;
  /** 1-based line in the file, when known. */
  readonly line: number | undefined;
  /** Dotted path in the document: "functions.api.timeout". */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ManifestProblem): string {
  const where = problem.line ? `${problem.file}:${problem.line}` : problem.file;
  return `${where} ${problem.path || "(document)"}: ${problem.message}`;
}

function invalid(file: string, problems: ManifestProblem[]): NimbusError {
  const list = problems.map((problem) => `  - ${formatProblem(problem)}`).join("\n");
  return new NimbusError("NIMBUS_MANIFEST_INVALID", `${file} has ${problems.length} problem(s):\n${list}`, {
    details: { problems },
  });
}

type Path = ReadonlyArray<PropertyKey>;

function lineOf(doc: Document, lines: LineCounter, path: Path, key?: string): number | undefined {
  const node = doc.getIn(path as unknown[], true);
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    if (range) return lines.linePos(range[0]).line;
  }
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

function shapeKeysAt(path: Path): string[] {
  // Walk the zod schema along the path to list the keys allowed where an unknown key was found.
  let schema: unknown = manifestSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    const def = (
      schema as { def?: { type?: string; shape?: object; valueType?: unknown; element?: unknown } }
    ).def;
    if (def?.type === "object" && def.shape) schema = (def.shape as Record<PropertyKey, unknown>)[segment];
    else if (def?.type === "record") schema = def.valueType;
    else if (def?.type === "array") schema = def.element;
    else return [];
  }
  const def = (unwrap(schema) as { def?: { type?: string; shape?: object } }).def;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  while (current?.def && ["optional", "default", "pipe", "nullable"].includes(current.def.type ?? "")) {
    current = (current.def.innerType ?? current.def.in) as typeof current;
  }
  return current;
}

function problemsOf(
  issues: z.core.$ZodIssue[],
  file: string,
  doc: Document,
  lines: LineCounter,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const issue of issues) {
    const pathText = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const allowed = shapeKeysAt(issue.path);
      for (const key of issue.keys) {
        const guess = closestMatch(key, allowed);
        problems.push({
          file,
          line: lineOf(doc, lines, issue.path, key),
          path: pathText ? `${pathText}.${key}` : key,
          message: `unknown key "${key}"${guess ? `; did you mean "${guess}"?` : ""} (allowed: ${allowed.join(", ")})`,
        });
      }
      continue;
    }
    const message =
      issue.code === "invalid_type" && issue.input === undefined
        ? `required: ${issue.message}`
        : issue.message;
    problems.push({ file, line: lineOf(doc, lines, issue.path), path: pathText, message });
  }
  return problems;
}

export function parseManifest(text: string, file = "nimbus.yaml"): AppConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw invalid(
      file,
      doc.errors.map((error) => ({
        file,
        line: lines.linePos(error.pos[0]).line,
        path: "",
        message: `YAML syntax: ${error.message.split("\n")[0]}`,
      })),
    );
  }
  const result = manifestSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const problems = problemsOf(result.error.issues, file, doc, lines);
    throw invalid(
      file,
      problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  return normalizeManifest(result.data);
}
