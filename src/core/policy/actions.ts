// Every action Nimbus authorizes, in one registry. A service that adds operations adds its
// actions here (with the resource they apply to), and policies everywhere can name them; an
// action a policy names must exist here, or contain a wildcard that matches one.
//
// Resource templates are relative to an app ("table/<name>" is "nrn:<app>:table/<name>");
// those starting with "::" are platform-wide ("nrn::accesskey/<id>").
import { closestMatch } from "../manifest/did-you-mean.ts";
import { matchesPattern } from "./pattern.ts";

export interface ActionSpec {
  /** The resource the action applies to, as a template. */
  readonly resource: string;
  readonly description: string;
}

export const ACTIONS = {
  apps: {
    ListApps: { resource: "nrn:*:app", description: "list the deployed apps" },
    GetApp: { resource: "app", description: "describe an app: functions, routes, instances" },
  },
  deployments: {
    CreateDeployment: { resource: "app", description: "deploy a new version of an app" },
    ListDeployments: { resource: "app", description: "list an app's versions" },
    Rollback: { resource: "app", description: "serve an earlier version again" },
  },
  functions: {
    Invoke: { resource: "function/<name>", description: "call a function directly" },
    ListVersions: { resource: "function/<name>", description: "list a function's versions and aliases" },
    UpdateAlias: {
      resource: "function/<name>",
      description: "create, move or roll back an alias (and its canary version)",
    },
  },
  http: {
    Invoke: {
      resource: "route/<METHOD>/<path>",
      description: "call a route whose authorizer is iam (resource: the method and the request path)",
    },
  },
  logs: {
    GetLogs: { resource: "function/<name> (function/* for all)", description: "read log lines" },
    ListInvocations: {
      resource: "function/<name> (function/* for all)",
      description: "list invocation records",
    },
    GetInvocation: { resource: "function/<name>", description: "read one invocation record" },
  },
  secrets: {
    PutSecret: { resource: "secret/<name>", description: "create a parameter or a new version of it" },
    GetSecret: { resource: "secret/<name>", description: "read a parameter's value" },
    ListSecrets: { resource: "secret/*", description: "list parameter names and versions (no values)" },
    DeleteSecret: { resource: "secret/<name>", description: "delete a parameter and all its versions" },
  },
  users: {
    ListUsers: { resource: "user/*", description: "list the users of an app's user pool" },
    CreateUser: { resource: "user/<username>", description: "create a confirmed user" },
    DisableUser: { resource: "user/<username>", description: "stop a user from signing in" },
    EnableUser: { resource: "user/<username>", description: "let a disabled user sign in again" },
  },
  apikeys: {
    CreateApiKey: { resource: "apikey/*", description: "create an API key for an app's routes" },
    ListApiKeys: { resource: "apikey/*", description: "list an app's API keys and their usage" },
    RevokeApiKey: { resource: "apikey/<id>", description: "revoke an API key" },
  },
  iam: {
    CreateAccessKey: { resource: "::accesskey/*", description: "create a Nimbus access key with a policy" },
    ListAccessKeys: { resource: "::accesskey/*", description: "list access keys (never their secrets)" },
    RevokeAccessKey: { resource: "::accesskey/<id>", description: "revoke an access key" },
    Explain: { resource: "::iam", description: "explain a decision for any principal" },
    ListOperations: { resource: "::iam", description: "list every operation and the action it needs" },
    RotateSigningKeys: { resource: "::iam", description: "start signing tokens with a new key" },
    CreateTemporaryCredentials: {
      resource: "credentials (::credentials for access keys)",
      description: "get short-lived credentials scoped down from one's own",
    },
  },
  // The services below plug in with their own issues; their actions are named here already so
  // policies can be written against them and `nimbus iam explain` can evaluate them.
  buckets: {
    ListBuckets: { resource: "bucket/*", description: "list buckets" },
    CreateBucket: { resource: "bucket/<name>", description: "create a bucket" },
    DeleteBucket: { resource: "bucket/<name>", description: "delete a bucket" },
    ListObjects: { resource: "bucket/<name>", description: "list a bucket's keys" },
    GetObject: { resource: "bucket/<name>/<key>", description: "read an object" },
    PutObject: { resource: "bucket/<name>/<key>", description: "write an object" },
    DeleteObject: { resource: "bucket/<name>/<key>", description: "delete an object" },
    AbortMultipartUpload: {
      resource: "bucket/<name>/<key>",
      description: "abort a multipart upload (S3 endpoint)",
    },
    ListMultipartUploadParts: {
      resource: "bucket/<name>/<key>",
      description: "list the parts of a multipart upload (S3 endpoint)",
    },
  },
  tables: {
    ListTables: { resource: "table/*", description: "list tables" },
    GetItem: { resource: "table/<name>", description: "read an item by key" },
    PutItem: { resource: "table/<name>", description: "write an item" },
    UpdateItem: { resource: "table/<name>", description: "change an item" },
    DeleteItem: { resource: "table/<name>", description: "delete an item" },
    Query: { resource: "table/<name>", description: "read items of one partition" },
    Scan: { resource: "table/<name>", description: "read every item" },
    BatchWriteItem: {
      resource: "table/<name>",
      description: "write several items at once (each also needs PutItem or DeleteItem)",
    },
    TransactWriteItems: {
      resource: "table/<name>",
      description: "write items atomically (each entry also needs its own item action)",
    },
  },
  cache: {
    Get: { resource: "cache/<key>", description: "read a cache key" },
    Set: { resource: "cache/<key>", description: "write or get-or-set a cache key" },
    Delete: { resource: "cache/<key>", description: "delete a cache key" },
    Increment: { resource: "cache/<key>", description: "add to a cache counter" },
  },
  queues: {
    ListQueues: { resource: "queue/*", description: "list queues" },
    SendMessage: { resource: "queue/<name>", description: "send a message" },
    ReceiveMessage: { resource: "queue/<name>", description: "receive messages" },
    DeleteMessage: { resource: "queue/<name>", description: "acknowledge a message" },
    GetQueueAttributes: { resource: "queue/<name>", description: "read a queue's settings and depth" },
    ChangeMessageVisibility: {
      resource: "queue/<name>",
      description: "extend or end the visibility timeout of a received message",
    },
    PurgeQueue: { resource: "queue/<name>", description: "delete every message of a queue" },
    RedriveMessages: {
      resource: "queue/<name> (the dead-letter queue)",
      description: "move messages of a dead-letter queue back to a source queue",
    },
  },
  schedules: {
    ListSchedules: { resource: "schedule/*", description: "list schedules with their last and next fire" },
  },
  workflows: {
    StartWorkflow: { resource: "workflow/<name>", description: "start a workflow instance" },
    ListWorkflows: { resource: "workflow/*", description: "list workflow instances" },
    DescribeWorkflow: {
      resource: "workflow/<name>",
      description: "read a workflow instance and its history (steps, inputs, outputs, errors)",
    },
    SendEvent: { resource: "workflow/<name>", description: "send an event to a waiting workflow instance" },
    CancelWorkflow: { resource: "workflow/<name>", description: "cancel a workflow instance" },
    RetryWorkflow: {
      resource: "workflow/<name>",
      description: "resume a failed or parked instance (its last failed step gets fresh attempts)",
    },
  },
  entities: {
    Call: {
      resource: "entity/<name>/<key>",
      description: "run an entity operation and wait for its result (reads included)",
    },
    Signal: { resource: "entity/<name>/<key>", description: "queue an entity operation (fire-and-forget)" },
    Read: {
      resource: "entity/<name>/<key>",
      description: "read an entity key's state and history, and run its read operations",
    },
    ListEntities: { resource: "entity/<name>/* (entity/* for all)", description: "list entity keys" },
  },
  topics: {
    ListTopics: { resource: "topic/*", description: "list topics" },
    Publish: { resource: "topic/<name>", description: "publish an event" },
    Subscribe: { resource: "topic/<name>", description: "subscribe to a topic" },
    ReplayArchive: {
      resource: "topic/<name>",
      description: "deliver a time range of a topic's archived events to one subscription again",
    },
  },
} as const satisfies Record<string, Record<string, ActionSpec>>;

export type ServiceName = keyof typeof ACTIONS;

/** Every action as "service:Action". */
export const ALL_ACTIONS: readonly string[] = Object.entries(ACTIONS).flatMap(([service, actions]) =>
  Object.keys(actions).map((action) => `${service}:${action}`),
);

const KNOWN = new Set(ALL_ACTIONS.map((action) => action.toLowerCase()));

export function isKnownAction(action: string): boolean {
  return KNOWN.has(action.toLowerCase());
}

export function actionSpec(action: string): ActionSpec | undefined {
  const [service, name] = action.split(":");
  const actions = ACTIONS[service as ServiceName] as Record<string, ActionSpec> | undefined;
  if (!actions || name === undefined) return undefined;
  const key = Object.keys(actions).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : actions[key];
}

/**
 * Why an action pattern of a policy is wrong, or undefined when it is fine: it must be "*",
 * or "service:Action" naming a known action, or a wildcard pattern matching at least one.
 */
export function actionPatternProblem(pattern: string): string | undefined {
  if (pattern === "*") return undefined;
  if (!/^[A-Za-z*?]+:[A-Za-z*?]+$/.test(pattern)) {
    return `"${pattern}" is not an action; expected "service:Action" such as "secrets:GetSecret" or "tables:*"`;
  }
  if (/[*?]/.test(pattern)) {
    const matches = ALL_ACTIONS.some((action) => matchesPattern(pattern, action, {}, { ignoreCase: true }));
    return matches
      ? undefined
      : `"${pattern}" matches no action (services: ${Object.keys(ACTIONS).join(", ")})`;
  }
  if (isKnownAction(pattern)) return undefined;
  const guess = closestMatch(pattern, ALL_ACTIONS);
  return `unknown action "${pattern}"${guess ? `; did you mean "${guess}"?` : ""}`;
}
