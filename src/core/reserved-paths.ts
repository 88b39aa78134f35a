// Paths the platform answers itself on every node, before any function route: probes for
// load balancers and orchestrators. A manifest route on one of them is refused, because it
// could never be reached.
export const HEALTH_PATH = "/healthz";
export const READY_PATH = "/readyz";

export const RESERVED_ROUTE_PATHS: readonly string[] = [HEALTH_PATH, READY_PATH];
