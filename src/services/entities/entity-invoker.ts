// Invokes an entity's function: "describe" (its operations, cached per deployed config) and
// "run" (a batch of operations on a key's state). Any answer that is not a well-formed one
// (a crash, a timeout, a bad body) is an error: nothing of it is committed.
import { NimbusError } from "../../core/errors.ts";
import { newRequestId } from "../../core/ids.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import type { InvocationOutcome, InvocationRequest } from "../../runtime/types.ts";
import {
  type EntityDescription,
  type EntityRunAnswer,
  entityDescriptionSchema,
  entityRunAnswerSchema,
} from "./entity-answer.ts";

export interface LiveEntityApp {
  readonly config: AppConfig;
  invoke(functionName: string, request: InvocationRequest, requestId: string): Promise<InvocationOutcome>;
}

export interface EntityHost {
  live(app: string): LiveEntityApp | undefined;
}

export interface OperationToRun {
  readonly operationId: string;
  readonly operation: string;
  /** JSON text. */
  readonly input: string;
}

export class EntityInvoker {
  /** Per deployed config (a deploy makes a new one), per entity: its description. */
  readonly #descriptions = new WeakMap<AppConfig, Map<string, Promise<EntityDescription>>>();

  /** The entity's operations; a failed describe is not cached. */
  describe(app: string, live: LiveEntityApp, entity: string): Promise<EntityDescription> {
    let byEntity = this.#descriptions.get(live.config);
    if (!byEntity) {
      byEntity = new Map();
      this.#descriptions.set(live.config, byEntity);
    }
    const cached = byEntity.get(entity);
    if (cached) return cached;
    const described = this.#call(app, live, entity, { nimbusEntity: 1, type: "describe", entity }).then(
      (body) => {
        const parsed = entityDescriptionSchema.safeParse(body);
        if (!parsed.success) throw notAnEntity(app, entity);
        if (parsed.data.entity !== entity) {
          throw new NimbusError(
            "ENTITY_NOT_FOUND",
            `Function ${app}/${entity} exports entity("${parsed.data.entity}", …); an entity's name must be its function's name`,
          );
        }
        return parsed.data;
      },
    );
    byEntity.set(entity, described);
    described.catch(() => byEntity.delete(entity));
    return described;
  }

  async run(
    app: string,
    live: LiveEntityApp,
    ref: { entity: string; key: string },
    state: string | undefined,
    operations: readonly OperationToRun[],
  ): Promise<EntityRunAnswer> {
    const body = await this.#call(app, live, ref.entity, {
      nimbusEntity: 1,
      type: "run",
      entity: ref.entity,
      key: ref.key,
      state: state ?? null,
      operations,
    });
    const parsed = entityRunAnswerSchema.safeParse(body);
    if (!parsed.success) throw notAnEntity(app, ref.entity);
    const answered = parsed.data.results.map((result) => result.operationId).join("\n");
    if (answered !== operations.map((operation) => operation.operationId).join("\n")) {
      throw new NimbusError(
        "FUNCTION_ERROR",
        `Entity ${app}/${ref.entity} answered other operations than it was sent`,
      );
    }
    return parsed.data;
  }

  async #call(app: string, live: LiveEntityApp, entity: string, payload: unknown): Promise<unknown> {
    const outcome = await live.invoke(
      entity,
      { kind: "direct", payload: Buffer.from(JSON.stringify(payload)) },
      newRequestId(),
    );
    if (outcome.status !== "success" || !outcome.response || outcome.response.status !== 200) {
      const detail = outcome.errorMessage ?? `status ${outcome.response?.status ?? "none"}`;
      throw new NimbusError(
        outcome.errorCode ?? "FUNCTION_ERROR",
        `Entity ${app}/${entity}: the function did not answer (${detail})`,
      );
    }
    try {
      return JSON.parse(Buffer.from(outcome.response.body).toString("utf8"));
    } catch {
      throw notAnEntity(app, entity);
    }
  }
}

function notAnEntity(app: string, entity: string): NimbusError {
  return new NimbusError(
    "FUNCTION_ERROR",
    `Entity ${app}/${entity} answered something that is not an entity answer; is its export entity(...) from nimbus/sdk?`,
  );
}
