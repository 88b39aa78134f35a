// `nimbus iam explain <principal> <action> <resource>`: the decision the one authorization
// point would make, and which statement made it (or that none matched). Principals are named
// as decisions name them: admin, accesskey/<id>, function/<app>/<name> (its active version),
// user/<app>/<username>, apikey/<app>/<id>.
import { z } from "zod";
import { NimbusError } from "../core/errors.ts";
import { closestMatch } from "../core/manifest/did-you-mean.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import {
  ALL_ACTIONS,
  appResource,
  type Decision,
  isKnownAction,
  NRN_PREFIX,
  type PolicyStatement,
} from "../core/policy/index.ts";
import type { ApiKeyStore, UserStore } from "../store/identity-ports.ts";
import type { AccessKeys } from "./access-keys.ts";
import type { Authorizer } from "./authorize.ts";
import { parseBody } from "./http/parse-body.ts";
import { type BasePrincipal, principalApp, principalName } from "./principal.ts";

export const explainRequestSchema = z.strictObject({
  principal: z.string().min(1),
  action: z.string().min(1),
  resource: z.string().min(1),
  /** The app of a relative resource ("secret/db"), when the principal has none. */
  app: z.string().optional(),
  context: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]))
    .optional(),
});

export interface Explanation {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
  readonly outcome: Decision["outcome"];
  readonly explanation: string;
  /** The deciding statement, as the principal's policy has it. */
  readonly statement: (PolicyStatement & { policy: string; index: number }) | undefined;
}

export interface ExplainDeps {
  readonly authorizer: Authorizer;
  readonly accessKeys: AccessKeys;
  readonly users: UserStore;
  readonly apiKeys: ApiKeyStore;
  readonly appConfig: (app: string) => Promise<AppConfig | undefined>;
}

function notFound(what: string): NimbusError {
  return new NimbusError("BAD_REQUEST", `No principal ${what}`);
}

async function resolvePrincipal(deps: ExplainDeps, spec: string): Promise<BasePrincipal> {
  if (spec === "admin") return { kind: "admin" };
  const [kind, ...rest] = spec.split("/");
  if ((kind === "accesskey" && rest.length === 1) || /^NAK[A-Z2-7]{17}$/.test(spec)) {
    const id = rest[0] ?? spec;
    const key = await deps.accessKeys.resolveAccessKey(id);
    if (!key) throw notFound(`accesskey/${id}`);
    const policy = key.active ? key.policy : { name: key.policy.name, statements: [] };
    return { kind: "access-key", accessKeyId: key.accessKeyId, name: key.name, policy };
  }
  const [app, name] = rest;
  if (rest.length !== 2 || !app || !name) {
    throw new NimbusError(
      "BAD_REQUEST",
      `"${spec}" is not a principal; expected admin, accesskey/<id>, function/<app>/<name>, user/<app>/<username> or apikey/<app>/<id>`,
    );
  }
  if (kind === "function") {
    const fn = (await deps.appConfig(app))?.functions[name];
    if (!fn) throw notFound(`function/${app}/${name} (is the app deployed?)`);
    const version = "active";
    return {
      kind: "function",
      app,
      functionName: name,
      version,
      instanceId: undefined,
      policy: { name: `function/${name}`, statements: fn.permissions ?? [] },
    };
  }
  if (kind === "user") {
    const user = await deps.users.getUserByName(app, name.toLowerCase());
    if (!user) throw notFound(`user/${app}/${name}`);
    return { kind: "user", app, userId: user.userId, username: user.username, groups: user.groups };
  }
  if (kind === "apikey") {
    const key = (await deps.apiKeys.listApiKeys(app)).find((candidate) => candidate.id === name);
    if (!key) throw notFound(`apikey/${app}/${name}`);
    return { kind: "api-key", app, apiKeyId: key.id, name: key.name };
  }
  throw new NimbusError(
    "BAD_REQUEST",
    `Unknown principal type "${kind}"; expected admin, accesskey, function, user or apikey`,
  );
}

export async function explain(deps: ExplainDeps, body: unknown): Promise<Explanation> {
  const request = parseBody(explainRequestSchema, body, "explain request");
  if (!isKnownAction(request.action)) {
    const guess = closestMatch(request.action, ALL_ACTIONS);
    throw new NimbusError(
      "BAD_REQUEST",
      `Unknown action "${request.action}"${guess ? `; did you mean "${guess}"?` : ""}`,
    );
  }
  const principal = await resolvePrincipal(deps, request.principal);
  let resource = request.resource;
  if (resource !== "*" && !resource.startsWith(NRN_PREFIX)) {
    const app = request.app ?? principalApp(principal);
    if (!app)
      throw new NimbusError(
        "BAD_REQUEST",
        `"${resource}" is relative: give --app, or a full name such as nrn:<app>:${resource}`,
      );
    resource = appResource(app, resource);
  }
  const decision = await deps.authorizer.authorize(
    principal,
    request.action,
    resource,
    request.context ?? {},
  );
  const deciding = decision.statement;
  let statement: Explanation["statement"];
  if (deciding) {
    const sets = await deps.authorizer.policiesOf(principal);
    const policy = sets.flat().find((candidate) => candidate.name === deciding.policy);
    const found = policy?.statements[deciding.index];
    if (found) statement = { ...found, policy: deciding.policy, index: deciding.index };
  }
  return {
    principal: principalName(principal),
    action: request.action,
    resource,
    allowed: decision.allowed,
    outcome: decision.outcome,
    explanation: decision.explanation,
    statement,
  };
}
