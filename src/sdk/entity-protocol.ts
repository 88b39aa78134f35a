// What the platform and an entity's function exchange (one invocation each): "describe" asks
// for the entity's operations; "run" carries the key's committed state and a batch of
// operations, and the answer carries each operation's result and the state after them. The
// server validates answers with its own schema (src/services/entities/entity-answer.ts).

export interface EntityDescribeRequest {
  /** Marks the payload as an entity request (version of this protocol). */
  readonly nimbusEntity: 1;
  readonly type: "describe";
  readonly entity: string;
}

export interface EntityDescription {
  readonly entity: string;
  /** Every operation, and whether it is a read (runs beside others, never changes state). */
  readonly operations: Readonly<Record<string, "read" | "write">>;
}

export interface EntityOperationWire {
  readonly operationId: string;
  readonly operation: string;
  /** JSON text. */
  readonly input: string;
}

export interface EntityRunRequest {
  readonly nimbusEntity: 1;
  readonly type: "run";
  readonly entity: string;
  readonly key: string;
  /** JSON text of the committed state; null before the key's first write (state() is used). */
  readonly state: string | null;
  /** Run in this order, each on the state the previous one left. */
  readonly operations: readonly EntityOperationWire[];
}

export interface EntityResultWire {
  readonly operationId: string;
  /** JSON text of the handler's return value (absent for undefined). */
  readonly output?: string;
  /** JSON text of { name, message }: the handler threw, its changes were discarded. */
  readonly error?: string;
}

export interface EntityRunAnswer {
  /** JSON text of the state after the batch. */
  readonly state: string;
  readonly results: readonly EntityResultWire[];
}

export type EntityRequest = EntityDescribeRequest | EntityRunRequest;
