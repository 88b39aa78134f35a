// examples/todo-api runs as its README says: create, list, read, update and delete todos over
// HTTP, with a stale version refused (409) instead of overwriting someone else's change.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { REPO } from "./helpers.ts";

interface Answer {
  status: number;
  body: {
    todos: Todo[];
    current: Todo;
  } & Todo;
}

interface Todo {
  id: string;
  title: string;
  done: boolean;
  version: number;
}

describe("examples/todo-api", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(REPO, "examples", "todo-api") });
  });
  after(() => nimbus?.stop());

  async function send(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${nimbus.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) } as Answer;
  }

  it("creates, lists, reads, updates with a version check, and deletes", async () => {
    assert.equal((await send("POST", "/todos", { title: "" })).status, 400);
    const milk = await send("POST", "/todos", { title: "milk" });
    assert.equal(milk.status, 201);
    const bread = await send("POST", "/todos", { title: "bread" });
    const created = milk.body as Todo;
    assert.equal(created.version, 1);
    assert.equal(created.done, false);

    const listed = await send("GET", "/todos");
    assert.deepEqual(
      (listed.body.todos as Todo[]).map((todo) => todo.title),
      ["milk", "bread"],
    );
    assert.deepEqual((await send("GET", `/todos/${created.id}`)).body, created);
    assert.equal((await send("GET", "/todos/nope")).status, 404);

    const done = await send("PATCH", `/todos/${created.id}`, { version: 1, done: true });
    assert.equal(done.status, 200);
    assert.equal(done.body.version, 2);
    assert.equal(done.body.done, true);
    // A client still holding version 1 is refused and shown the current todo.
    const stale = await send("PATCH", `/todos/${created.id}`, { version: 1, title: "oat milk" });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.current.version, 2);
    assert.equal(
      (await send("GET", `/todos/${created.id}`)).body.title,
      "milk",
      "the stale write changed nothing",
    );
    assert.equal((await send("PATCH", "/todos/nope", { version: 1, done: true })).status, 404);
    assert.equal((await send("PATCH", `/todos/${created.id}`, { done: true })).status, 400);

    assert.equal((await send("DELETE", `/todos/${created.id}?version=1`)).status, 409);
    assert.equal((await send("DELETE", `/todos/${created.id}?version=2`)).status, 204);
    assert.equal((await send("DELETE", `/todos/${created.id}`)).status, 404);
    assert.deepEqual(
      ((await send("GET", "/todos")).body.todos as Todo[]).map((todo) => todo.id),
      [(bread.body as Todo).id],
    );
  });
});
