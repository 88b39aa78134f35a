// The body of the second workload: a deterministic order of about 10 KB of JSON.
export function orderBody(): string {
  const categories = ["books", "tools", "garden", "kitchen", "toys"];
  const lines = Array.from({ length: 72 }, (_, i) => ({
    sku: `SKU-${String(i).padStart(5, "0")}`,
    category: categories[i % categories.length],
    quantity: (i % 7) + 1,
    unitPriceCents: 199 + ((i * 37) % 5000),
    discount: (i % 4) * 0.05,
    weightGrams: 100 + ((i * 53) % 2000),
    note: "a line of an order",
  }));
  return JSON.stringify({ id: "order-1", customer: "bench", lines });
}
