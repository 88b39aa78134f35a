// A Hono app as one function: Nimbus calls its fetch handler for every route.
import { Hono } from "hono";

const app = new Hono();
const todos = new Map<number, { id: number; title: string }>();
let nextId = 1;

app.get("/", (c) => c.text("Hono on Nimbus"));
app.get("/todos", (c) => c.json([...todos.values()]));
app.post("/todos", async (c) => {
  const { title } = await c.req.json<{ title: string }>();
  const todo = { id: nextId++, title };
  todos.set(todo.id, todo);
  return c.json(todo, 201);
});
app.get("/todos/:id", (c) => {
  const todo = todos.get(Number(c.req.param("id")));
  return todo ? c.json(todo) : c.json({ error: "not found" }, 404);
});

export default app;
