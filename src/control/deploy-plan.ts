// The plan of a deploy: which functions are created, updated, deleted or unchanged.
export type PlanAction = "create" | "update" | "delete" | "unchanged";

export interface PlanEntry {
  readonly functionName: string;
  readonly action: PlanAction;
}

export interface DeployPlan {
  readonly app: string;
  /** The version the deploy creates (or would create, for a dry run). */
  readonly version: number;
  readonly entries: readonly PlanEntry[];
  /** True when nothing would change: a deploy still creates a version, so rollbacks stay linear. */
  readonly empty: boolean;
}

export function computePlan(
  app: string,
  version: number,
  current: Readonly<Record<string, string>>,
  next: Readonly<Record<string, string>>,
): DeployPlan {
  const entries: PlanEntry[] = [];
  for (const [functionName, hash] of Object.entries(next)) {
    const before = current[functionName];
    entries.push({
      functionName,
      action: before === undefined ? "create" : before === hash ? "unchanged" : "update",
    });
  }
  for (const functionName of Object.keys(current)) {
    if (!(functionName in next)) entries.push({ functionName, action: "delete" });
  }
  entries.sort((a, b) => a.functionName.localeCompare(b.functionName));
  return { app, version, entries, empty: entries.every((entry) => entry.action === "unchanged") };
}

export function formatPlan(plan: DeployPlan): string {
  const symbol: Record<PlanAction, string> = { create: "+", update: "~", delete: "-", unchanged: "=" };
  const lines = plan.entries.map(
    (entry) => `  ${symbol[entry.action]} ${entry.functionName} (${entry.action})`,
  );
  return [`Plan for ${plan.app} v${plan.version}:`, ...lines].join("\n");
}
