// Where a CPU profile's time goes: self time per function, and grouped by area of the hot
// path. A native frame (no URL: a C++ binding, a builtin) counts for the area of the
// JavaScript that called it, so a socket write made by the IPC channel counts as IPC.
import type { CpuProfile, CpuProfileNode } from "./inspector.ts";

export interface FunctionTime {
  name: string;
  area: string;
  selfMs: number;
}

export interface Summary {
  busyMs: number;
  areas: { area: string; selfMs: number }[];
  functions: FunctionTime[];
}

const AREAS: [RegExp, string][] = [
  [/observe\/|sqlite|store\//, "recording / SQLite"],
  [/find-my-way|gateway\/route|router/, "router"],
  [/undici|internal\/webstreams|internal\/blob|internal\/url/, "undici Request/Response, URL"],
  [/shim\.mjs|runtime\/shim\//, "handler adapter (shim)"],
  [/child_process|serializ|internal\/v8/, "IPC / serialisation"],
  [/_http_|node:http|internal\/http/, "HTTP parsing / serving (node:http)"],
  [/src\/gateway\//, "gateway (Nimbus)"],
  [/src\/runtime\//, "runtime, server side (Nimbus)"],
  [/node:net|internal\/stream|internal\/streams|stream_base|node:stream/, "sockets / streams"],
  [
    /internal\/timers|internal\/process\/task_queues|async_hooks|node:events|internal\/event_target/,
    "event loop, timers, events",
  ],
  [/\/src\//, "other Nimbus"],
  [/bench\/apps|\.nimbus|bundles?\//, "the function itself"],
];

function areaOf(node: CpuProfileNode, parentArea: string): string {
  const { functionName, url } = node.callFrame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "V8 / native, unattributed";
  if (functionName === "(idle)") return "idle";
  if (url === "") return parentArea; // native: charged to its JavaScript caller
  for (const [pattern, area] of AREAS) if (pattern.test(url)) return area;
  return "other (Node internals)";
}

export function summarise(profile: CpuProfile): Summary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const area = new Map<number, string>();
  const root = profile.nodes[0] as CpuProfileNode;
  const stack: [CpuProfileNode, string][] = [[root, "other (Node internals)"]];
  while (stack.length > 0) {
    const [node, parentArea] = stack.pop() as [CpuProfileNode, string];
    const own = areaOf(node, parentArea);
    area.set(node.id, own);
    for (const child of node.children ?? []) stack.push([byId.get(child) as CpuProfileNode, own]);
  }
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, FunctionTime>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id) as CpuProfileNode;
    const nodeArea = area.get(id) as string;
    if (nodeArea === "idle") continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(src|node_modules)\//, "$1/").replace(/^file:\/\/.*\//, "");
    const name = `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : "(native)"}`;
    const entry = functions.get(name) ?? { name, area: nodeArea, selfMs: 0 };
    entry.selfMs += us / 1000;
    functions.set(name, entry);
    areas.set(nodeArea, (areas.get(nodeArea) ?? 0) + us / 1000);
  }
  const busyMs = [...areas.values()].reduce((sum, ms) => sum + ms, 0);
  return {
    busyMs,
    areas: [...areas].map(([name, selfMs]) => ({ area: name, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
  };
}
