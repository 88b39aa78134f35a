// Identity, assembled: what platform.ts creates once per start and hands to the admin API,
// the gateway and the runtime. See ARCHITECTURE.md in this folder.
import type { FastifyInstance } from "fastify";
import { decodeJwt } from "jose";
import type { AppConfig } from "../core/manifest/normalize.ts";
import type { Policy } from "../core/policy/index.ts";
import type { RouteAuthorizer } from "../gateway/index.ts";
import type { InstanceEnvironmentHooks, InvocationOutcome, LogLine } from "../runtime/index.ts";
import type { Store } from "../store/ports.ts";
import { AccessKeys, type ResolvedAccessKey } from "./access-keys.ts";
import { ApiKeys } from "./api-keys.ts";
import { type AdminKeyCheck, Authenticator } from "./authenticate.ts";
import { Authorizer } from "./authorize.ts";
import { Envelope } from "./crypto/envelope.ts";
import { loadMasterKey } from "./crypto/master-key.ts";
import { FunctionCredentials } from "./function-credentials.ts";
import { registerApiKeyRoutes } from "./http/api-key-routes.ts";
import { registerCredentialsRoutes } from "./http/credentials-routes.ts";
import { registerIamRoutes } from "./http/iam-routes.ts";
import { installOperationGuard, type OperationInfo } from "./http/operation-guard.ts";
import { registerSecretRoutes } from "./http/secret-routes.ts";
import { registerTokenRoutes } from "./http/token-routes.ts";
import { registerUserAdminRoutes } from "./http/user-admin-routes.ts";
import { registerUserPoolRoutes } from "./http/user-pool-routes.ts";
import { InstanceEnvironmentProvider } from "./instance-environment.ts";
import { FunctionRouteAuth, type InvokeFunction } from "./route-auth/function-route-auth.ts";
import { JwtRouteAuth } from "./route-auth/jwt-route-auth.ts";
import { RateLimiter } from "./route-auth/rate-limiter.ts";
import { createRouteAuthorizer } from "./route-auth/route-authorizer.ts";
import { ParameterStore } from "./secrets/parameter-store.ts";
import { SecretMasker } from "./secrets/secret-masker.ts";
import { TemporaryCredentials } from "./temporary-credentials.ts";
import { BearerTokens } from "./tokens/bearer-tokens.ts";
import { SigningKeyRing } from "./tokens/signing-keys.ts";
import { type EmailSender, LogEmailSender } from "./user-pools/email-sender.ts";
import { OneTimeCodes } from "./user-pools/one-time-codes.ts";
import { UserPools } from "./user-pools/user-pool-service.ts";
import { UserTokens } from "./user-pools/user-tokens.ts";

export interface IdentityOptions {
  readonly store: Store;
  readonly dataDir: string;
  /** NIMBUS_MASTER_KEY or the masterKey option; otherwise <dataDir>/master.key. */
  readonly masterKey: string | undefined;
  readonly adminKey: AdminKeyCheck;
  /** The active deployment's config of an app, as served. */
  readonly appConfig: (app: string) => Promise<AppConfig | undefined>;
  /** This node's name: function tokens name the node whose instance they belong to. */
  readonly nodeId: string;
  /** Whether other nodes share the store (their function tokens are accepted until they expire). */
  readonly clustered: boolean;
  /** How long a function instance's token lives; it is rotated at two thirds of it. */
  readonly functionTokenTtlMs: number;
  /** How long a signing key signs before a new one replaces it. */
  readonly signingKeyRotationMs: number;
  /** The platform's URL as clients reach it: user pool issuers are URLs under it. */
  readonly publicUrl: () => string;
  /** Where verification and password-reset emails go (default: printed to stdout). */
  readonly emailSender?: EmailSender;
  /** Calls a function of an app directly (authorizer functions of `auth: { function }` routes). */
  readonly invokeFunction: InvokeFunction;
}

/** The longest any JWT Nimbus signs may live (temporary credentials: 12 h; user tokens: 1 day). */
export const MAX_TOKEN_TTL_MS = 24 * 60 * 60_000;

export interface Identity {
  readonly authorizer: Authorizer;
  readonly authenticator: Authenticator;
  readonly accessKeys: AccessKeys;
  readonly parameters: ParameterStore;
  /** Each instance's secrets and credentials (the runtime calls it at every cold start). */
  readonly instanceEnvironment: InstanceEnvironmentHooks;
  /** The line with every secret value handed to its function replaced by "***". */
  maskLog(line: LogLine): LogLine;
  /** The outcome with secret values masked in its error message. */
  maskOutcome(outcome: InvocationOutcome): InvocationOutcome;
  /** Checks the callers of routes that declare `auth` (the gateway calls it). */
  readonly routeAuthorizer: RouteAuthorizer;
  /** For request-signing verifiers (SigV4): the key with its secret, or undefined. */
  resolveAccessKey(accessKeyId: string): Promise<ResolvedAccessKey | undefined>;
  /** Authenticates and authorizes every route registered after it; returns the operation list. */
  installGuard(app: FastifyInstance): readonly OperationInfo[];
  /** Identity's own routes under the admin prefix. */
  registerRoutes(app: FastifyInstance, prefix: string, operations: readonly OperationInfo[]): void;
  stop(): Promise<void>;
}

export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const { store } = options;
  const masterKey = await loadMasterKey({
    dataDir: options.dataDir,
    configured: options.masterKey,
    settings: store.settings,
  });
  const accessKeys = new AccessKeys(store.accessKeys, new Envelope(masterKey, "access-keys"));
  const poolOf = async (app: string) => (await options.appConfig(app))?.userPool;
  const authorizer = new Authorizer({
    accessKeyPolicies: (id) => accessKeys.currentPolicies(id),
    // A signed-in user's role: the pool's permissions and those of the user's groups, as the
    // app's active deployment declares them; nothing once the user is disabled or gone.
    async userPolicies(principal) {
      const pool = await poolOf(principal.app);
      const user = pool && (await store.users.getUserById(principal.app, principal.userId));
      if (!pool || !user?.enabled) return [];
      const policies: Policy[] = [{ name: "userpool", statements: pool.permissions }];
      for (const group of user.groups) {
        const definition = pool.groups[group];
        if (definition) policies.push({ name: `group/${group}`, statements: definition.permissions });
      }
      return policies;
    },
  });
  const parameters = new ParameterStore(store.secrets, new Envelope(masterKey, "secrets"));
  const masker = new SecretMasker();
  const keys = new SigningKeyRing(store.signingKeys, new Envelope(masterKey, "signing-keys"), {
    rotationMs: options.signingKeyRotationMs,
    maxTokenTtlMs: MAX_TOKEN_TTL_MS,
  });
  await keys.start();
  const functionCredentials = new FunctionCredentials(keys, {
    nodeId: options.nodeId,
    clustered: options.clustered,
    ttlMs: options.functionTokenTtlMs,
    // A token printed by its function must not be readable by whoever may read the logs.
    onIssued: (app, functionName, token) => masker.register(app, functionName, [token], "token"),
  });
  const instanceEnvironment = new InstanceEnvironmentProvider({
    parameters,
    authorizer,
    masker,
    credentials: functionCredentials,
  });
  const userTokens = new UserTokens(keys, options.publicUrl, poolOf);
  const userPools = new UserPools({
    users: store.users,
    poolOf,
    tokens: userTokens,
    codes: new OneTimeCodes(masterKey),
    sender: options.emailSender ?? new LogEmailSender(),
  });
  const bearerTokens = new BearerTokens();
  bearerTokens.register("function", (token) => functionCredentials.verify(token));
  const temporaryCredentials = new TemporaryCredentials(keys);
  bearerTokens.register("temporary", (token) => temporaryCredentials.verify(token));
  // The app named in the (not yet verified) token picks the pool whose issuer must have signed it.
  bearerTokens.register("access", (token) =>
    userTokens.principalOf(token, String(decodeJwt(token).app ?? "")),
  );
  const authenticator = new Authenticator(options.adminKey, accessKeys, bearerTokens);
  const apiKeys = new ApiKeys(store.apiKeys, options.appConfig);
  const routeAuthorizer = createRouteAuthorizer({
    authenticator,
    authorizer,
    jwt: new JwtRouteAuth(keys, userTokens, poolOf),
    functions: new FunctionRouteAuth(options.invokeFunction),
    apiKeys,
    rateLimiter: new RateLimiter(),
    consumeQuota: (keyId, windowStart, limit) => store.apiKeys.consumeQuota(keyId, windowStart, limit),
    appConfig: options.appConfig,
  });
  return {
    authorizer,
    authenticator,
    accessKeys,
    parameters,
    instanceEnvironment,
    routeAuthorizer,
    maskLog: (line) => ({ ...line, message: masker.mask(line.app, line.functionName, line.message) }),
    maskOutcome: (outcome) =>
      outcome.errorMessage === undefined
        ? outcome
        : { ...outcome, errorMessage: masker.mask(outcome.app, outcome.functionName, outcome.errorMessage) },
    resolveAccessKey: (id) => accessKeys.resolveAccessKey(id),
    installGuard: (app) => installOperationGuard(app, { authenticator, authorizer }),
    registerRoutes(app, prefix, operations) {
      registerIamRoutes(app, prefix, {
        authorizer,
        accessKeys,
        users: store.users,
        apiKeys: store.apiKeys,
        appConfig: options.appConfig,
        operations,
      });
      registerSecretRoutes(app, prefix, { parameters, masker });
      registerTokenRoutes(app, prefix, { keys });
      registerUserPoolRoutes(app, prefix, { pools: userPools, tokens: userTokens, keys });
      registerUserAdminRoutes(app, prefix, { pools: userPools });
      registerApiKeyRoutes(app, prefix, { apiKeys });
      registerCredentialsRoutes(app, prefix, { temporaryCredentials });
    },
    async stop() {
      functionCredentials.stop();
    },
  };
}
