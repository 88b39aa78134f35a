// A todo list over HTTP: create, list, read, update and delete, with optimistic concurrency.
// Each todo has a `version`; PATCH and DELETE must send the version they read, and the write is
// conditional on it, so two clients editing the same todo cannot overwrite each other.
import { NimbusApiError, tables } from "nimbus/sdk";

interface Todo {
  id: string;
  title: string;
  done: boolean;
  version: number;
  createdAt: number;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });
const notFound = (id: string) => json({ error: `no todo "${id}"` }, 404);

function isConflict(error: unknown): boolean {
  return error instanceof NimbusApiError && error.code === "TABLE_CONDITION_FAILED";
}

async function readBody(request: Request): Promise<Record<string, unknown> | undefined> {
  const body: unknown = await request.json().catch(() => undefined);
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

async function list(): Promise<Response> {
  const todos: Todo[] = [];
  let cursor: string | undefined;
  do {
    const page = await tables.scan("todos", { limit: 100, ...(cursor ? { cursor } : {}) });
    todos.push(...(page.items as unknown as Todo[]));
    cursor = page.cursor;
  } while (cursor);
  return json({ todos: todos.sort((a, b) => a.createdAt - b.createdAt) });
}

async function create(request: Request): Promise<Response> {
  const body = await readBody(request);
  if (typeof body?.title !== "string" || body.title.trim() === "")
    return json({ error: "expected { title: string }" }, 400);
  const todo: Todo = {
    id: crypto.randomUUID(),
    title: body.title,
    done: false,
    version: 1,
    createdAt: Date.now(),
  };
  // Create only: never replaces an existing todo.
  await tables.put("todos", { ...todo }, { condition: "attribute_not_exists(id)" });
  return json(todo, 201);
}

async function update(id: string, request: Request): Promise<Response> {
  const body = await readBody(request);
  if (!body || typeof body.version !== "number")
    return json({ error: "expected { version: number, title?: string, done?: boolean }" }, 400);
  const sets = ["version = version + :one"];
  const values: Record<string, string | number | boolean> = { ":one": 1, ":seen": body.version };
  if (typeof body.title === "string") {
    sets.push("title = :title");
    values[":title"] = body.title;
  }
  if (typeof body.done === "boolean") {
    sets.push("done = :done");
    values[":done"] = body.done;
  }
  try {
    const item = await tables.update("todos", { id }, `SET ${sets.join(", ")}`, {
      condition: "attribute_exists(id) AND version = :seen",
      values,
    });
    return json(item);
  } catch (error) {
    if (!isConflict(error)) throw error;
    const current = await tables.get("todos", { id });
    return current ? json({ error: "version conflict: read the todo again", current }, 409) : notFound(id);
  }
}

async function remove(id: string, request: Request): Promise<Response> {
  const version = new URL(request.url).searchParams.get("version");
  const condition = version === null ? "attribute_exists(id)" : "attribute_exists(id) AND version = :seen";
  try {
    await tables.delete(
      "todos",
      { id },
      {
        condition,
        ...(version === null ? {} : { values: { ":seen": Number(version) } }),
      },
    );
    return new Response(null, { status: 204 });
  } catch (error) {
    if (!isConflict(error)) throw error;
    const current = await tables.get("todos", { id });
    return current ? json({ error: "version conflict: read the todo again", current }, 409) : notFound(id);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const [, collection, id] = new URL(request.url).pathname.split("/").map(decodeURIComponent);
    if (collection !== "todos") return json({ error: "not found" }, 404);
    if (id === undefined || id === "") return request.method === "POST" ? create(request) : list();
    switch (request.method) {
      case "GET": {
        const todo = await tables.get("todos", { id });
        return todo ? json(todo) : notFound(id);
      }
      case "PATCH":
        return update(id, request);
      case "DELETE":
        return remove(id, request);
      default:
        return json({ error: "method not allowed" }, 405);
    }
  },
};
