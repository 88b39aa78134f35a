// Issue 8's goals for part 2, checked against this run's figures only (ratios within the run).
import { median, percentile, pickMedian } from "../lib/load.ts";
import type { Outcome } from "./table.ts";

interface Goal {
  measure: string;
  goal: string;
  value: (nimbus: Outcome, find: (name: string) => Outcome | undefined) => number | undefined;
  met: (value: number) => boolean;
  unit: string;
}

const rps = (outcome: Outcome | undefined): number | undefined =>
  outcome && outcome.samples.length > 0
    ? pickMedian(outcome.samples.map((s) => s.hello)).requestsPerSecond
    : undefined;

const versus =
  (peer: string) =>
  (nimbus: Outcome, find: (name: string) => Outcome | undefined): number | undefined => {
    const theirs = rps(find(peer));
    const ours = rps(nimbus);
    return theirs && ours ? ours / theirs : undefined;
  };

const GOALS: Goal[] = [
  {
    measure: "hello world vs bare node:http",
    goal: "≥ 0.5×",
    value: versus("bare node:http (baseline)"),
    met: (v) => v >= 0.5,
    unit: "×",
  },
  {
    measure: "hello world vs workerd",
    goal: "≥ 2×",
    value: versus("workerd"),
    met: (v) => v >= 2,
    unit: "×",
  },
  {
    measure: "hello world vs serverless-offline",
    goal: "≥ 5×",
    value: versus("serverless-offline"),
    met: (v) => v >= 5,
    unit: "×",
  },
  {
    measure: "hello world p99 at 10 connections",
    goal: "≤ 2 ms",
    value: (nimbus) =>
      nimbus.samples.length > 0 ? pickMedian(nimbus.samples.map((s) => s.hello)).p99Ms : undefined,
    met: (v) => v <= 2,
    unit: " ms",
  },
  {
    measure: "cold start p50",
    goal: "≤ 15 ms",
    value: (nimbus) =>
      nimbus.samples.length > 0 ? median(nimbus.samples.flatMap((s) => s.coldMs)) : undefined,
    met: (v) => v <= 15,
    unit: " ms",
  },
  {
    measure: "cold start p99",
    goal: "≤ 40 ms",
    value: (nimbus) =>
      nimbus.samples.length > 0
        ? percentile(
            nimbus.samples.flatMap((s) => s.coldMs),
            99,
          )
        : undefined,
    met: (v) => v <= 40,
    unit: " ms",
  },
];

/** One column per Nimbus handler style; a goal whose peer did not run says so. */
export function goalsTable(outcomes: Outcome[], styles: string[]): string {
  const find = (name: string): Outcome | undefined => outcomes.find((o) => o.name === name);
  const nimbus = styles.map(find).filter((o): o is Outcome => o !== undefined);
  const header = `| measure | goal | ${nimbus.map((o) => o.name).join(" | ")} |`;
  const rule = `|---|---|${nimbus.map(() => "---|").join("")}`;
  const rows = GOALS.map((goal) => {
    const cells = nimbus.map((o) => {
      const value = goal.value(o, find);
      if (value === undefined || Number.isNaN(value)) return "not measured";
      return `${value.toFixed(goal.unit === "×" ? 2 : 1)}${goal.unit} ${goal.met(value) ? "(met)" : "(not met)"}`;
    });
    return `| ${goal.measure} | ${goal.goal} | ${cells.join(" | ")} |`;
  });
  return [header, rule, ...rows].join("\n");
}
