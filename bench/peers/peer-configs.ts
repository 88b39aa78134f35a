// The peers' own configuration files, generated per run (ports are chosen at start).

/** workerd's Cap'n Proto config: one Worker with the two modules, one socket on 127.0.0.1. */
export function workerdConfig(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "work.js", esModule = embed "work.js"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

/** Serverless Framework v3 service: HTTP API events, the same handlers, serverless-offline. */
export function serverlessYaml(): string {
  return `service: nimbus-bench-peers
frameworkVersion: "3"
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
functions:
  hello:
    handler: lambda.hello
    events:
      - httpApi: GET /hello
  cold:
    handler: lambda.hello
    events:
      - httpApi: GET /cold
  work:
    handler: lambda.work
    events:
      - httpApi: POST /work
plugins:
  - serverless-offline
`;
}
