// A node's name in a cluster: the lease holder it writes, and what /readyz and logs show.
// NIMBUS_NODE_ID (e.g. the Kubernetes pod name) or the host, the pid and a random suffix,
// so two processes on one host, or a restarted one, never share a name.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

export function newNodeId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
