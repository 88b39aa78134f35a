import { workflow } from "nimbus/sdk";

export const empty = workflow(async () => "ok");

export const sequence = workflow(async (ctx) => {
  let total = 0;
  for (let step = 0; step < 5; step++) total += await ctx.step(`s${step}`, () => step);
  return total;
});

export const fanout = workflow(async (ctx) => {
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => ctx.step("item", () => i)));
  return results.length;
});
