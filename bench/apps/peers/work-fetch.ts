import { priceOrder } from "../../peers/functions/work.js";

export default {
  fetch: async (request: Request) =>
    new Response(priceOrder(await request.text()), { headers: { "content-type": "application/json" } }),
};
