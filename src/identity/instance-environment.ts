// What identity adds to each new function instance's environment: the secrets its manifest
// names in `env` (read from the parameter store with the function's own rights, so a function
// cannot be handed a secret its permissions do not allow), and its credentials (a short-lived
// token, see function-credentials.ts). The values are registered with the masker so they never
// reach recorded logs.
import { NimbusError } from "../core/errors.ts";
import { appResource } from "../core/policy/index.ts";
import type {
  FunctionDeployment,
  InstanceCredentialsChannel,
  InstanceEnvironment,
  InstanceEnvironmentHooks,
} from "../runtime/index.ts";
import type { Authorizer } from "./authorize.ts";
import { functionPrincipal } from "./function-principal.ts";
import type { ParameterStore } from "./secrets/parameter-store.ts";
import type { SecretMasker } from "./secrets/secret-masker.ts";

/** Issues and revokes the token of an instance (function-credentials.ts). */
export interface InstanceCredentialsIssuer {
  issue(
    instance: InstanceCredentialsChannel,
    deployment: FunctionDeployment,
  ): Promise<Record<string, string>>;
  revoke(instanceId: string): void;
}

export class InstanceEnvironmentProvider implements InstanceEnvironmentHooks {
  readonly #parameters: ParameterStore;
  readonly #authorizer: Authorizer;
  readonly #masker: SecretMasker;
  readonly #credentials: InstanceCredentialsIssuer;

  constructor(deps: {
    parameters: ParameterStore;
    authorizer: Authorizer;
    masker: SecretMasker;
    credentials: InstanceCredentialsIssuer;
  }) {
    this.#parameters = deps.parameters;
    this.#authorizer = deps.authorizer;
    this.#masker = deps.masker;
    this.#credentials = deps.credentials;
  }

  async prepare(
    instance: InstanceCredentialsChannel,
    deployment: FunctionDeployment,
  ): Promise<InstanceEnvironment> {
    const variables = await this.#secretVariables(deployment, instance.id);
    const credentials = await this.#credentials.issue(instance, deployment);
    return { variables, credentials };
  }

  ended(instanceId: string): void {
    this.#credentials.revoke(instanceId);
  }

  async #secretVariables(
    deployment: FunctionDeployment,
    instanceId: string,
  ): Promise<Record<string, string>> {
    const references = Object.entries(deployment.config.secretEnv ?? {});
    if (references.length === 0) return {};
    const { app } = deployment;
    const principal = functionPrincipal(deployment, instanceId);
    const variables: Record<string, string> = {};
    const secretValues: string[] = [];
    for (const [variable, reference] of references) {
      const resource = appResource(app, `secret/${reference.name}`);
      try {
        await this.#authorizer.assertAllowed(principal, "secrets:GetSecret", resource);
        const parameter = await this.#parameters.get(app, reference.name, reference.version);
        variables[variable] = parameter.value;
        if (parameter.type === "secret") secretValues.push(parameter.value);
      } catch (error) {
        if (!(error instanceof NimbusError)) throw error;
        throw new NimbusError(
          error.code,
          `Function "${deployment.config.name}" cannot read its env ${variable} from secret "${reference.name}": ${error.message}`,
          { details: error.details },
        );
      }
    }
    this.#masker.register(app, deployment.config.name, secretValues);
    return variables;
  }
}
