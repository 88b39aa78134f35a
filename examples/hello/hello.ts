// A fetch-style function: a Request in, a Response out (as in Workers, Deno and Bun).
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const name = decodeURIComponent(url.pathname.split("/")[2] ?? "") || "world";
    console.log(`saying hello to ${name}`);
    return Response.json({ message: `Hello, ${name}!` });
  },
};
