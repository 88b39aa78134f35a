// Every error a user can meet has a stable code, an HTTP status and a hint.
// Codes are never reused or renamed; each one is documented in docs/errors.md
// (a test checks that the two lists agree).

interface ErrorSpec {
  readonly status: number;
  /** true: the caller's fault (bad input, missing thing); false: the platform's or the function's. */
  readonly expose: boolean;
  readonly hint: string;
}

export const ERROR_CODES = {
  NIMBUS_MANIFEST_INVALID: {
    status: 400,
    expose: true,
    hint: "Fix the listed problems in nimbus.yaml; the schema is in schema/nimbus.schema.json.",
  },
  NIMBUS_MANIFEST_NOT_FOUND: {
    status: 400,
    expose: true,
    hint: "Run the command in a folder with a nimbus.yaml, or pass the folder as an argument.",
  },
  BUNDLE_FAILED: {
    status: 400,
    expose: true,
    hint: "The function code did not build; the message shows the esbuild error with its file and line.",
  },
  HANDLER_NOT_FOUND: {
    status: 400,
    expose: true,
    hint: "The handler must be 'path/to/file.export' and the file must export that name.",
  },
  FUNCTION_PACKAGE_INVALID: {
    status: 400,
    expose: true,
    hint: "A runtime: custom function needs an executable 'bootstrap' in its folder (chmod +x), regular files only, within the size limits.",
  },
  STORE_URL_INVALID: {
    status: 400,
    expose: true,
    hint: "Leave the store URL empty for SQLite in the data directory, or give a postgres:// or postgresql:// URL.",
  },
  BUNDLE_STORE_URL_INVALID: {
    status: 400,
    expose: true,
    hint: "Give a bundle directory (--bundle-dir) or an s3://bucket/prefix bundle store (--bundle-store), not both.",
  },
  BLOB_STORE_URL_INVALID: {
    status: 400,
    expose: true,
    hint: "Give a blob directory (--blob-dir) or an s3://bucket/prefix blob store (--blob-store), not both.",
  },
  BAD_REQUEST: { status: 400, expose: true, hint: "Check the request body against the API documentation." },
  UNAUTHORIZED: {
    status: 401,
    expose: true,
    hint: "Send 'Authorization: Bearer <admin key | access key id:secret | token>' (NIMBUS_ADMIN_KEY for the CLI).",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "No route of the deployed app matches this method and path.",
  },
  FUNCTION_NOT_FOUND: { status: 404, expose: true, hint: "Run 'nimbus ls' to see the deployed functions." },
  FUNCTION_VERSION_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Run 'nimbus versions <fn>' to see the function's versions; every deploy that changes it adds one.",
  },
  ALIAS_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Run 'nimbus versions <fn>' to see its aliases; create one with 'nimbus alias set <fn> <alias> <version>'.",
  },
  APP_NOT_FOUND: { status: 404, expose: true, hint: "Deploy the app first with 'nimbus deploy'." },
  DEPLOYMENT_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Run 'nimbus ls --json' to see the deployed versions.",
  },
  NOT_FOUND: { status: 404, expose: true, hint: "Check the URL against the API documentation." },
  METHOD_NOT_ALLOWED: { status: 405, expose: true, hint: "The route exists but not for this method." },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    expose: true,
    hint: "The request body is over the limit (gateway.maxBodyBytes, 6 MB by default).",
  },
  TOO_MANY_REQUESTS: {
    status: 429,
    expose: true,
    hint: "All instances are busy and the queue is full; retry after the Retry-After delay or raise concurrency.max.",
  },
  // Identity and secrets (src/identity/, docs/errors.md "Identity and secrets").
  ACCESS_DENIED: {
    status: 403,
    expose: true,
    hint: "The caller's policies do not allow this action on this resource; 'nimbus iam explain' shows which statement decided.",
  },
  CREDENTIALS_INVALID: {
    status: 401,
    expose: true,
    hint: "The token or key is missing, malformed, expired, revoked or not signed by this platform; get new credentials.",
  },
  POLICY_INVALID: {
    status: 400,
    expose: true,
    hint: "Statements take effect allow|deny, actions 'service:Action' (wildcards allowed) and resources 'nrn:<app>:<type>/<name>' or '*'.",
  },
  MASTER_KEY_INVALID: {
    status: 500,
    expose: false,
    hint: "NIMBUS_MASTER_KEY must be 32 bytes as base64 or hex, the key file mode 0600, and the same key that encrypted the stored data.",
  },
  SECRET_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Run 'nimbus secrets ls' to see the app's parameters, or 'nimbus secrets set <name>' to create it.",
  },
  USER_POOL_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Declare a userPool in the app's nimbus.yaml and deploy it.",
  },
  USER_EXISTS: { status: 409, expose: true, hint: "Choose another username, or sign in." },
  USER_NOT_FOUND: { status: 404, expose: true, hint: "Run 'nimbus users ls' to see the app's users." },
  USER_NOT_CONFIRMED: {
    status: 403,
    expose: true,
    hint: "Confirm the sign-up with the code that was sent by email (confirm-sign-up), or ask for a new one (resend-code).",
  },
  SIGN_IN_FAILED: { status: 401, expose: true, hint: "Check the username and password." },
  SIGN_IN_LOCKED: {
    status: 429,
    expose: true,
    hint: "Too many failed sign-ins in a row; wait for the Retry-After delay or reset the password.",
  },
  PASSWORD_INVALID: {
    status: 400,
    expose: true,
    hint: "Choose a longer password (the user pool's passwordMinLength, 8 by default, at most 256 characters).",
  },
  CODE_INVALID: {
    status: 400,
    expose: true,
    hint: "The code is wrong, used, expired or out of attempts; ask for a new one.",
  },
  RATE_LIMITED: {
    status: 429,
    expose: true,
    hint: "The API key's usage plan allows fewer requests per second; retry after the Retry-After delay.",
  },
  QUOTA_EXCEEDED: {
    status: 429,
    expose: true,
    hint: "The API key used up its usage plan's quota for this period; it resets when the period ends (Retry-After).",
  },
  // Entities (src/services/entities/, docs/errors.md "Entities").
  ENTITY_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Mark the function 'entity: true' in nimbus.yaml (its export is entity(<function name>, ...)) and deploy.",
  },
  ENTITY_OPERATION_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Call one of the entity's handlers; 'nimbus entities get <entity> <key>' lists them.",
  },
  ENTITY_KEY_INVALID: {
    status: 400,
    expose: true,
    hint: "An entity key is 1–100 letters, digits, '.', '_', '-', ':', '@', '=' or '+'.",
  },
  ENTITY_OPERATION_NOT_READ: {
    status: 400,
    expose: true,
    hint: "Only read(...) operations run through 'read' (entities:Read); call a write operation with entities:Call.",
  },
  ENTITY_OPERATION_ID_CONFLICT: {
    status: 409,
    expose: true,
    hint: "An operation id names one operation of one key for good; pick another id or omit it.",
  },
  ENTITY_OPERATION_FAILED: {
    status: 422,
    expose: true,
    hint: "The handler threw (its changes were discarded); the message is its error. Its record is in 'nimbus entities history'.",
  },
  ENTITY_CALL_TIMEOUT: {
    status: 504,
    expose: true,
    hint: "The operation is queued and will run; call again with the same operationId to get its result.",
  },
  // Workflows (src/services/workflows/, docs/errors.md "Workflows").
  WORKFLOW_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Mark the function 'workflow: true' in nimbus.yaml and deploy; 'nimbus workflows ls' lists instances.",
  },
  WORKFLOW_INSTANCE_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Check the instance id; 'nimbus workflows ls <app>' lists the app's instances.",
  },
  WORKFLOW_ID_CONFLICT: {
    status: 409,
    expose: true,
    hint: "An instance id names one instance of one workflow for good; pick another id or omit it.",
  },
  WORKFLOW_NOT_RUNNING: {
    status: 409,
    expose: true,
    hint: "The instance has finished (completed, failed, parked or cancelled); 'nimbus workflows describe' shows why.",
  },
  WORKFLOW_REPLAY_FAILED: {
    status: 502,
    expose: true,
    hint: "The workflow's function could not answer a replay (crash, timeout, not a workflow(...) export); fix and deploy it, then 'nimbus workflows retry <id>'.",
  },
  // Eventing: queues, async invocation (src/services/, docs/errors.md "Eventing").
  QUEUE_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Declare the queue under 'queues:' in the app's nimbus.yaml and deploy; 'nimbus queues ls' lists them.",
  },
  MESSAGE_TOO_LARGE: {
    status: 413,
    expose: true,
    hint: "A message body (and a batch in total) may be at most 256 KB; store big payloads in a bucket and send their key.",
  },
  TOPIC_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Declare the topic under 'topics:' in the app's nimbus.yaml and deploy; 'nimbus topics ls' lists them.",
  },
  EVENT_INVALID: {
    status: 400,
    expose: true,
    hint: "Send a CloudEvents 1.0 event: binary mode (ce-specversion: 1.0, ce-id, ce-source, ce-type headers) or structured mode (application/cloudevents+json).",
  },
  EVENT_TOO_LARGE: {
    status: 413,
    expose: true,
    hint: "An event (attributes and data) may be at most 256 KB; put big payloads in a bucket and send their key.",
  },
  RECEIPT_HANDLE_INVALID: {
    status: 400,
    expose: true,
    hint: "Use the receipt handle of the latest receive: a handle expires when the message is received again or deleted.",
  },
  TABLE_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Declare the table under 'tables:' in the app's nimbus.yaml and deploy; 'nimbus tables ls' lists them.",
  },
  TABLE_EXPRESSION_INVALID: {
    status: 400,
    expose: true,
    hint: "Check the expression against docs/tables.md: values are ':placeholders', reserved or odd names '#placeholders'.",
  },
  TABLE_KEY_INVALID: {
    status: 400,
    expose: true,
    hint: "Give exactly the table's partition key (and sort key, if it has one) as strings or numbers.",
  },
  TABLE_ITEM_TOO_LARGE: {
    status: 413,
    expose: true,
    hint: "An item may be at most 400 KB as JSON; keep big values in a bucket and store their key.",
  },
  TABLE_CONDITION_FAILED: {
    status: 409,
    expose: true,
    hint: "The condition expression was false for the item as stored; read it again and retry with the new version.",
  },
  TABLE_TRANSACTION_CANCELED: {
    status: 409,
    expose: true,
    hint: "A condition of the transaction failed, so none of its writes was made; details name the failing entry.",
  },
  CACHE_VALUE_NOT_NUMBER: {
    status: 409,
    expose: true,
    hint: "Increment only keys that are absent or hold an integer; set the key to a number first.",
  },
  CACHE_UNAVAILABLE: {
    status: 503,
    expose: false,
    hint: "Check that this node reaches the cache server given by --cache-url / NIMBUS_CACHE_URL.",
  },
  BUCKET_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "Declare the bucket under 'buckets:' in the app's nimbus.yaml and deploy; 'nimbus buckets ls' lists them.",
  },
  OBJECT_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "No object has this key; 'nimbus buckets ls <bucket>/<prefix>' lists the keys.",
  },
  OBJECT_KEY_INVALID: {
    status: 400,
    expose: true,
    hint: "Keys are 1-1024 bytes of UTF-8 without control characters, a leading '/', or '.'/'..' path segments.",
  },
  OBJECT_RANGE_NOT_SATISFIABLE: {
    status: 416,
    expose: true,
    hint: "The Range header must start inside the object: 'bytes=0-99', 'bytes=100-' or 'bytes=-100'.",
  },
  OBJECT_PRECONDITION_FAILED: {
    status: 412,
    expose: true,
    hint: "The If-Match / If-Unmodified-Since condition was false for the object as stored; read it again.",
  },
  PRESIGNED_URL_INVALID: {
    status: 403,
    expose: true,
    hint: "Ask for a new presigned URL ('nimbus buckets presign'); it works for its one method and key until it expires.",
  },
  OBJECT_WRITE_ABORTED: {
    status: 400,
    expose: true,
    hint: "The upload ended before its Content-Length was received; nothing was stored, send it again.",
  },
  BUCKET_NOT_EMPTY: {
    status: 409,
    expose: true,
    hint: "Delete the bucket's objects first ('nimbus buckets ls <bucket> -r' lists them).",
  },
  BUCKET_MANAGED_BY_MANIFEST: {
    status: 405,
    expose: true,
    hint: "Buckets are declared under 'buckets:' in nimbus.yaml: add or remove one there and deploy.",
  },
  MULTIPART_UPLOAD_NOT_FOUND: {
    status: 404,
    expose: true,
    hint: "The upload id is unknown, or the upload was completed or aborted; start a new multipart upload.",
  },
  MULTIPART_PARTS_INVALID: {
    status: 400,
    expose: true,
    hint: "List the parts as uploaded, in ascending part-number order with their ETags; every part but the last needs at least 5 MiB.",
  },
  PAYLOAD_DIGEST_MISMATCH: {
    status: 400,
    expose: true,
    hint: "The body does not match the hash, checksum or chunk signature sent with it; nothing was stored, send it again.",
  },
  BUCKET_REQUEST_INVALID: {
    status: 400,
    expose: true,
    hint: "The S3 request is malformed or uses something Nimbus does not support; see 'S3-compatible endpoint' in docs/buckets.md.",
  },
  FUNCTION_ERROR: {
    status: 502,
    expose: false,
    hint: "The function threw or crashed; 'nimbus logs <fn>' shows the stack.",
  },
  FUNCTION_INIT_ERROR: {
    status: 502,
    expose: false,
    hint: "The function failed while loading its code; 'nimbus logs <fn>' shows the stack.",
  },
  FUNCTION_OUT_OF_MEMORY: {
    status: 502,
    expose: false,
    hint: "The instance went over its memory limit and was stopped; raise 'memory' or use less.",
  },
  FUNCTION_RESPONSE_INVALID: {
    status: 502,
    expose: false,
    hint: "A fetch-style handler must return a Response; a Lambda handler an object, string or nothing.",
  },
  FUNCTION_TIMEOUT: {
    status: 504,
    expose: false,
    hint: "The call ran past the function's timeout and the instance was stopped; raise 'timeout' or do less.",
  },
  BUNDLE_STORE_UNAVAILABLE: {
    status: 503,
    expose: false,
    hint: "Check that this node reaches the bundle store: the same --bundle-dir volume or s3:// bucket on every node.",
  },
  BLOB_STORE_UNAVAILABLE: {
    status: 503,
    expose: false,
    hint: "Check that this node reaches the blob store: the same --blob-dir volume or s3:// bucket on every node.",
  },
  PLATFORM_UNAVAILABLE: {
    status: 503,
    expose: false,
    hint: "The platform is starting or stopping; retry shortly.",
  },
  INTERNAL: { status: 500, expose: false, hint: "A bug in Nimbus; the server log has the details." },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; hint: string; details?: unknown; requestId?: string };
}

export class NimbusError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly hint: string;
  readonly details: unknown;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "NimbusError";
    const spec: ErrorSpec = ERROR_CODES[code];
    this.code = code;
    this.status = spec.status;
    this.expose = spec.expose;
    this.hint = spec.hint;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toBody(requestId?: string): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        hint: this.hint,
        ...(this.details === undefined ? {} : { details: this.details }),
        ...(requestId ? { requestId } : {}),
      },
    };
  }
}

/** Turns anything thrown into a NimbusError; unknown errors become INTERNAL without leaking their message. */
export function toNimbusError(error: unknown): NimbusError {
  if (error instanceof NimbusError) return error;
  return new NimbusError("INTERNAL", "Internal error", { cause: error });
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}
