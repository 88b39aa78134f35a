// Schema migrations for PostgreSQL, applied in order inside one transaction under an
// advisory lock; nimbus_migrations records which ran. Append only: never edit a shipped one.
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- json, not jsonb: jsonb reorders object keys, and the order of functions in a manifest shows.
  CREATE TABLE deployments (
    app TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    config JSON NOT NULL,
    function_hashes JSON NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('deploy', 'rollback')),
    source_version INTEGER,
    PRIMARY KEY (app, version)
  );

  -- One row per app; createDeployment locks it (FOR UPDATE) to number versions one at a time.
  CREATE TABLE apps (
    app TEXT PRIMARY KEY,
    active_version INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE invocations (
    request_id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    billed_duration_ms BIGINT NOT NULL,
    init_duration_ms DOUBLE PRECISION,
    peak_memory_mb DOUBLE PRECISION,
    cold BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT,
    http_status INTEGER
  );
  CREATE INDEX invocations_by_function ON invocations (app, function_name, started_at);
  CREATE INDEX invocations_by_time ON invocations (app, started_at);

  CREATE TABLE logs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    timestamp BIGINT NOT NULL,
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version TEXT NOT NULL,
    request_id TEXT,
    stream TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX logs_by_function ON logs (app, function_name, id);
  CREATE INDEX logs_by_app ON logs (app, id);
  CREATE INDEX logs_by_request ON logs (request_id);

  -- A lease keeps its row after release or expiry, so the next grant's token is still greater.
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  `,
  // Identity and secrets (src/identity/): secret values, access key secrets and private
  // signing keys arrive encrypted; passwords, refresh tokens, API keys and codes as hashes.
  `
  CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_ciphertext TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
  );

  CREATE TABLE secrets (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('plain', 'secret')),
    ciphertext TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app, name, version)
  );

  CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_jwk_ciphertext TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE users (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    email TEXT,
    email_verified BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('unconfirmed', 'confirmed')),
    enabled BOOLEAN NOT NULL,
    user_groups TEXT NOT NULL,
    failed_sign_ins INTEGER NOT NULL,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app, user_id),
    UNIQUE (app, username)
  );

  CREATE TABLE user_codes (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts_left INTEGER NOT NULL,
    PRIMARY KEY (app, user_id, purpose)
  );

  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX refresh_tokens_by_user ON refresh_tokens (app, user_id);

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    plan TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE INDEX api_keys_by_app ON api_keys (app, created_at);

  CREATE TABLE api_key_usage (
    key_id TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key_id, window_start)
  );
  `,
  // Queues (src/services/queues/): messages of every queue of every app, in send order (seq).
  `
  CREATE TABLE queue_messages (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    app TEXT NOT NULL,
    queue TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,
    group_id TEXT,
    deduplication_id TEXT,
    sent_at BIGINT NOT NULL,
    visible_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_at BIGINT,
    receipt_handle TEXT UNIQUE
  );
  CREATE INDEX queue_messages_ready ON queue_messages (app, queue, visible_at, seq);
  CREATE INDEX queue_messages_group ON queue_messages (app, queue, group_id, seq);

  CREATE TABLE queue_deduplication (
    app TEXT NOT NULL,
    queue TEXT COLLATE "C" NOT NULL,
    deduplication_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence_number BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (app, queue, deduplication_id)
  );
  `,
  // Async invocations (src/services/async/): stored before the 202, attempted by any node.
  `
  CREATE TABLE async_invocations (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    payload BYTEA NOT NULL,
    idempotency_key TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claim_token BIGINT NOT NULL DEFAULT 0,
    counted_attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    expires_at BIGINT NOT NULL,
    final_reason TEXT,
    attempts TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX async_invocations_due ON async_invocations (status, next_attempt_at);
  CREATE INDEX async_invocations_by_function ON async_invocations (app, function_name, created_at);
  CREATE INDEX async_invocations_by_key ON async_invocations (app, function_name, idempotency_key, created_at);
  `,
  // Async invocations of topic subscribers keep the CloudEvent, for fetch-style handlers.
  `ALTER TABLE async_invocations ADD COLUMN cloud_event TEXT;`,
  // Function versions and aliases (control/function-versions.ts): immutable numbered versions
  // per function, and aliases pointing at one (plus an optional weighted canary version).
  `
  CREATE TABLE function_versions (
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    config JSON NOT NULL,
    created_at BIGINT NOT NULL,
    deployment_version INTEGER NOT NULL,
    PRIMARY KEY (app, function_name, version)
  );

  CREATE TABLE function_aliases (
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    canary_version INTEGER,
    canary_weight DOUBLE PRECISION,
    previous_version INTEGER,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (app, function_name, name)
  );
  `,
  // Schedules (src/services/schedules/): the last fire handled per schedule.
  `
  CREATE TABLE schedule_state (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    anchor_at BIGINT NOT NULL,
    last_fire_at BIGINT NOT NULL,
    PRIMARY KEY (app, name)
  );
  `,
  // Topic archives (src/services/topics/): published events kept for replay.
  `
  CREATE TABLE topic_archive (
    seq BIGSERIAL PRIMARY KEY,
    app TEXT NOT NULL,
    topic TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    event TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX topic_archive_by_time ON topic_archive (app, topic, event_time, seq);
  CREATE INDEX topic_archive_expiry ON topic_archive (app, topic, expires_at);
  `,
  // Buckets (src/services/buckets/): object metadata; the bytes are blob files named by blob_id.
  `
  CREATE TABLE bucket_objects (
    app TEXT NOT NULL,
    bucket TEXT NOT NULL,
    object_key TEXT COLLATE "C" NOT NULL,
    blob_id TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (app, bucket, object_key)
  );
  CREATE INDEX bucket_objects_by_blob ON bucket_objects (blob_id);
  `,
  // Workflows (src/services/workflows/): instances, journals (one row per step/timer/wait/value
  // key), events sent to instances (unique per instance and event id: delivered once).
  `
  CREATE TABLE workflow_instances (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    due_at BIGINT,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claim_token BIGINT NOT NULL DEFAULT 0,
    events_seen_seq BIGINT NOT NULL DEFAULT 0,
    invocations BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX workflow_instances_due ON workflow_instances (status, due_at);
  CREATE INDEX workflow_instances_by_app ON workflow_instances (app, workflow, created_at);
  CREATE TABLE workflow_journal (
    instance_id TEXT NOT NULL,
    key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    output TEXT,
    error TEXT,
    attempts BIGINT NOT NULL,
    wake_at BIGINT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (instance_id, key)
  );
  CREATE TABLE workflow_events (
    seq BIGSERIAL PRIMARY KEY,
    instance_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    consumed BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (instance_id, event_id)
  );
  `,
  // Tables (src/services/tables/): as in SQLite; key columns use the "C" collation so sort
  // keys compare as bytes, as DynamoDB's do, whatever the database's locale.
  `
  CREATE TABLE table_items (
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    partition_key TEXT COLLATE "C" NOT NULL,
    sort_key TEXT COLLATE "C" NOT NULL,
    sort_number DOUBLE PRECISION,
    item TEXT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (app, table_name, partition_key, sort_key)
  );
  CREATE INDEX table_items_by_number ON table_items (app, table_name, partition_key, sort_number);
  CREATE INDEX table_items_expiry ON table_items (app, table_name, expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE table_index_entries (
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    index_name TEXT NOT NULL,
    partition_key TEXT COLLATE "C" NOT NULL,
    sort_key TEXT COLLATE "C" NOT NULL,
    sort_number DOUBLE PRECISION,
    item_partition TEXT COLLATE "C" NOT NULL,
    item_sort TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (app, table_name, index_name, partition_key, sort_key, item_partition, item_sort)
  );
  CREATE INDEX table_index_entries_by_number
    ON table_index_entries (app, table_name, index_name, partition_key, sort_number, item_partition, item_sort);
  CREATE INDEX table_index_entries_by_item ON table_index_entries (app, table_name, item_partition, item_sort);
  `,
  // Entities (src/services/entities/): as in SQLite.
  `
  CREATE TABLE entity_states (
    app TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    state TEXT,
    version BIGINT NOT NULL DEFAULT 0,
    due_at BIGINT,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claim_token BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (app, entity, key)
  );
  CREATE INDEX entity_states_due ON entity_states (due_at) WHERE due_at IS NOT NULL;
  CREATE TABLE entity_operations (
    seq BIGSERIAL PRIMARY KEY,
    app TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    operation_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    input TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    output TEXT,
    error TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    enqueued_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (app, entity, key, operation_id)
  );
  CREATE INDEX entity_operations_by_key ON entity_operations (app, entity, key, status, seq);
  `,
  // Workflows, continued: the function version an instance runs on, child workflows' parent
  // link, correlation keys, custom status and a requested cancel (compensations run first).
  `
  ALTER TABLE workflow_instances ADD COLUMN version BIGINT;
  ALTER TABLE workflow_instances ADD COLUMN parent_id TEXT;
  ALTER TABLE workflow_instances ADD COLUMN parent_key TEXT;
  ALTER TABLE workflow_instances ADD COLUMN correlation_key TEXT;
  ALTER TABLE workflow_instances ADD COLUMN custom_status TEXT;
  ALTER TABLE workflow_instances ADD COLUMN cancel_reason TEXT;
  CREATE INDEX workflow_instances_by_correlation ON workflow_instances (app, correlation_key)
    WHERE correlation_key IS NOT NULL;
  `,
  // Table change streams (src/services/tables/table-streams.ts): as in SQLite.
  `
  CREATE TABLE table_changes (
    seq BIGSERIAL PRIMARY KEY,
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    event_name TEXT NOT NULL,
    old_item TEXT,
    new_item TEXT,
    expired BOOLEAN NOT NULL,
    at_ms BIGINT NOT NULL
  );
  CREATE INDEX table_changes_by_table ON table_changes (app, table_name, seq);
  CREATE INDEX table_changes_by_time ON table_changes (at_ms);
  CREATE TABLE table_change_checkpoints (
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    consumer TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (app, table_name, consumer)
  );
  `,
  // Async invocations at an alias or version: as in SQLite.
  `ALTER TABLE async_invocations ADD COLUMN qualifier TEXT;`,
];
