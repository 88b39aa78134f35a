export default {
  fetch: () => new Response("Hello, world!", { headers: { "content-type": "text/plain" } }),
};
