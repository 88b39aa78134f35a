// Schema migrations, applied in order; PRAGMA user_version records how many ran.
// Append only: never edit a migration that has shipped.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE deployments (
    app TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    config TEXT NOT NULL,
    function_hashes TEXT NOT NULL,
    source TEXT NOT NULL,
    source_version INTEGER,
    PRIMARY KEY (app, version)
  ) STRICT;

  CREATE TABLE apps (
    app TEXT PRIMARY KEY,
    active_version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE invocations (
    request_id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    billed_duration_ms INTEGER NOT NULL,
    init_duration_ms REAL,
    peak_memory_mb REAL,
    cold INTEGER NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT,
    http_status INTEGER
  ) STRICT;
  CREATE INDEX invocations_by_function ON invocations (app, function_name, started_at);
  CREATE INDEX invocations_by_time ON invocations (app, started_at);

  CREATE TABLE logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp INTEGER NOT NULL,
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    version TEXT NOT NULL,
    request_id TEXT,
    stream TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
  ) STRICT;
  CREATE INDEX logs_by_function ON logs (app, function_name, id);
  CREATE INDEX logs_by_request ON logs (request_id);
  `,
  // Leases keep their row after release or expiry, so the next grant's token is still greater.
  `
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  `,
  // Identity and secrets (src/identity/): secret values, access key secrets and private
  // signing keys arrive encrypted; passwords, refresh tokens, API keys and codes as hashes.
  `
  CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_ciphertext TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) STRICT;

  CREATE TABLE secrets (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app, name, version)
  ) STRICT;

  CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_jwk_ciphertext TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE users (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    email TEXT,
    email_verified INTEGER NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    user_groups TEXT NOT NULL,
    failed_sign_ins INTEGER NOT NULL,
    locked_until INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app, user_id),
    UNIQUE (app, username)
  ) STRICT;

  CREATE TABLE user_codes (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL,
    PRIMARY KEY (app, user_id, purpose)
  ) STRICT;

  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX refresh_tokens_by_user ON refresh_tokens (app, user_id);

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    plan TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) STRICT;
  CREATE INDEX api_keys_by_app ON api_keys (app, created_at);

  CREATE TABLE api_key_usage (
    key_id TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key_id, window_start)
  ) STRICT;
  `,
  // Queues (src/services/queues/): messages of every queue of every app, in send order (seq).
  `
  CREATE TABLE queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    app TEXT NOT NULL,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,
    group_id TEXT,
    deduplication_id TEXT,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_at INTEGER,
    receipt_handle TEXT UNIQUE
  ) STRICT;
  CREATE INDEX queue_messages_ready ON queue_messages (app, queue, visible_at, seq);
  CREATE INDEX queue_messages_group ON queue_messages (app, queue, group_id, seq);

  CREATE TABLE queue_deduplication (
    app TEXT NOT NULL,
    queue TEXT NOT NULL,
    deduplication_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (app, queue, deduplication_id)
  ) STRICT;
  `,
  // Async invocations (src/services/async/): stored before the 202, attempted by any node.
  `
  CREATE TABLE async_invocations (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    payload BLOB NOT NULL,
    idempotency_key TEXT,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    claim_token INTEGER NOT NULL DEFAULT 0,
    counted_attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    final_reason TEXT,
    attempts TEXT NOT NULL DEFAULT '[]'
  ) STRICT;
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
    config TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deployment_version INTEGER NOT NULL,
    PRIMARY KEY (app, function_name, version)
  ) STRICT;

  CREATE TABLE function_aliases (
    app TEXT NOT NULL,
    function_name TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    canary_version INTEGER,
    canary_weight REAL,
    previous_version INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (app, function_name, name)
  ) STRICT;
  `,
  // Schedules (src/services/schedules/): the last fire handled per schedule.
  `
  CREATE TABLE schedule_state (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    anchor_at INTEGER NOT NULL,
    last_fire_at INTEGER NOT NULL,
    PRIMARY KEY (app, name)
  ) STRICT;
  `,
  // Topic archives (src/services/topics/): published events kept for replay.
  `
  CREATE TABLE topic_archive (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    app TEXT NOT NULL,
    topic TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    event TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX topic_archive_by_time ON topic_archive (app, topic, event_time, seq);
  CREATE INDEX topic_archive_expiry ON topic_archive (app, topic, expires_at);
  `,
  // Buckets (src/services/buckets/): object metadata; the bytes are blob files named by blob_id.
  `
  CREATE TABLE bucket_objects (
    app TEXT NOT NULL,
    bucket TEXT NOT NULL,
    object_key TEXT NOT NULL,
    blob_id TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (app, bucket, object_key)
  ) STRICT;
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
    due_at INTEGER,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    claim_token INTEGER NOT NULL DEFAULT 0,
    events_seen_seq INTEGER NOT NULL DEFAULT 0,
    invocations INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX workflow_instances_due ON workflow_instances (status, due_at);
  CREATE INDEX workflow_instances_by_app ON workflow_instances (app, workflow, created_at);
  CREATE TABLE workflow_journal (
    instance_id TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    output TEXT,
    error TEXT,
    attempts INTEGER NOT NULL,
    wake_at INTEGER,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (instance_id, key)
  ) STRICT;
  CREATE TABLE workflow_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (instance_id, event_id)
  ) STRICT;
  `,
  // Tables (src/services/tables/): items as JSON beside their key columns; index entries
  // point back at their item. Sort keys compare as bytes (BINARY), as DynamoDB's do.
  `
  CREATE TABLE table_items (
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    sort_number REAL,
    item TEXT NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (app, table_name, partition_key, sort_key)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX table_items_by_number ON table_items (app, table_name, partition_key, sort_number);
  CREATE INDEX table_items_expiry ON table_items (app, table_name, expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE table_index_entries (
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    index_name TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    sort_number REAL,
    item_partition TEXT NOT NULL,
    item_sort TEXT NOT NULL,
    PRIMARY KEY (app, table_name, index_name, partition_key, sort_key, item_partition, item_sort)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX table_index_entries_by_number
    ON table_index_entries (app, table_name, index_name, partition_key, sort_number, item_partition, item_sort);
  CREATE INDEX table_index_entries_by_item ON table_index_entries (app, table_name, item_partition, item_sort);
  `,
  // Entities (src/services/entities/): one state row per (app, entity, key), claimed by one
  // node at a time (claim_token fences a late one); the key's operations, queued then done.
  `
  CREATE TABLE entity_states (
    app TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    claim_token INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (app, entity, key)
  ) STRICT;
  CREATE INDEX entity_states_due ON entity_states (due_at) WHERE due_at IS NOT NULL;
  CREATE TABLE entity_operations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    app TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    input TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    output TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    enqueued_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (app, entity, key, operation_id)
  ) STRICT;
  CREATE INDEX entity_operations_by_key ON entity_operations (app, entity, key, status, seq);
  `,
  // Workflows, continued: the function version an instance runs on, child workflows' parent
  // link, correlation keys, custom status and a requested cancel (compensations run first).
  `
  ALTER TABLE workflow_instances ADD COLUMN version INTEGER;
  ALTER TABLE workflow_instances ADD COLUMN parent_id TEXT;
  ALTER TABLE workflow_instances ADD COLUMN parent_key TEXT;
  ALTER TABLE workflow_instances ADD COLUMN correlation_key TEXT;
  ALTER TABLE workflow_instances ADD COLUMN custom_status TEXT;
  ALTER TABLE workflow_instances ADD COLUMN cancel_reason TEXT;
  CREATE INDEX workflow_instances_by_correlation ON workflow_instances (app, correlation_key)
    WHERE correlation_key IS NOT NULL;
  `,
  // Table change streams (src/services/tables/table-streams.ts): the outbox written in the same
  // transaction as the item, and each consumer's position. AUTOINCREMENT: a seq is never reused.
  `
  CREATE TABLE table_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    partition_key TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    event_name TEXT NOT NULL,
    old_item TEXT,
    new_item TEXT,
    expired INTEGER NOT NULL,
    at_ms INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX table_changes_by_table ON table_changes (app, table_name, seq);
  CREATE INDEX table_changes_by_time ON table_changes (at_ms);
  CREATE TABLE table_change_checkpoints (
    app TEXT NOT NULL,
    table_name TEXT NOT NULL,
    consumer TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (app, table_name, consumer)
  ) STRICT, WITHOUT ROWID;
  `,
  // Async invocations at an alias or version (the Event type with a Qualifier, qualified triggers).
  `ALTER TABLE async_invocations ADD COLUMN qualifier TEXT;`,
];
