// The "real work" of the second workload, shared by every system so they all do the same:
// parse a ~10 KB JSON order, price its lines, and answer a small JSON summary. Plain
// JavaScript because workerd and serverless-offline load it as it is.

/** @param {string} text the request body */
export function priceOrder(text) {
  const order = JSON.parse(text);
  let total = 0;
  let heaviest = { sku: "", weightGrams: -1 };
  const perCategory = {};
  for (const line of order.lines) {
    const price = line.quantity * line.unitPriceCents * (1 - line.discount);
    total += price;
    perCategory[line.category] = (perCategory[line.category] ?? 0) + price;
    if (line.weightGrams > heaviest.weightGrams) heaviest = line;
  }
  return JSON.stringify({
    orderId: order.id,
    lines: order.lines.length,
    totalCents: Math.round(total),
    perCategory,
    heaviestSku: heaviest.sku,
  });
}
