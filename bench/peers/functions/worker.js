// The Workers version (workerd and Miniflare): one fetch handler, routed by path.
import { priceOrder } from "./work.js";

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/work") {
      return new Response(priceOrder(await request.text()), {
        headers: { "content-type": "application/json" },
      });
    }
    return new Response("Hello, world!", { headers: { "content-type": "text/plain" } });
  },
};
