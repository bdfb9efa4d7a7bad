/**
 * The schema, as an append-only list: a migration, once released, never
 * changes; later issues (agents, tasks, keys) add theirs at the end with the
 * next version. Plain SQL that both Postgres and PGlite run as is. Kept as
 * string constants rather than .sql files so the build needs no copy step.
 */
export interface Migration {
  /** 1, 2, 3, … in order, never reused. */
  readonly version: number;
  /** What it does, recorded next to the version. */
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "credentials",
    sql: `
      create table credentials (
        credential_name text primary key,
        -- Each value encrypted by the service layer; the store sees opaque strings.
        credential_values jsonb not null,
        credential_info jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
    `,
  },
  {
    version: 2,
    name: "agents",
    sql: `
      create table agents (
        agent_name text primary key,
        agent_card_params jsonb not null,
        litellm_params jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
    `,
  },
  {
    version: 3,
    name: "a2a_tasks",
    sql: `
      create table a2a_tasks (
        id text primary key,
        context_id text not null,
        agent_name text not null,
        -- The A2A Task (status, history, artifacts) as the protocol's JSON.
        task jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index a2a_tasks_context_id on a2a_tasks (context_id);
      create index a2a_tasks_agent_name on a2a_tasks (agent_name);
    `,
  },
  {
    version: 4,
    name: "virtual_keys",
    sql: `
      create table virtual_keys (
        -- SHA-256 of the key's value, hex; the value itself is never stored.
        token_id text primary key,
        key_name text not null,
        key_alias text,
        models jsonb not null default '[]'::jsonb,
        max_budget double precision,
        budget_duration text,
        budget_reset_at timestamptz,
        spend double precision not null default 0,
        rpm_limit bigint,
        tpm_limit bigint,
        max_parallel_requests integer,
        expires_at timestamptz,
        metadata jsonb not null default '{}'::jsonb,
        blocked boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index virtual_keys_key_alias on virtual_keys (key_alias);
    `,
  },
  {
    version: 5,
    name: "spend_logs",
    sql: `
      -- One row per finished call, written in batches (src/accounting/spend-log.ts).
      create table spend_logs (
        request_id text primary key,
        start_time timestamptz not null,
        end_time timestamptz not null,
        -- chat, text, embeddings.
        call_type text not null,
        stream boolean not null,
        -- The model the caller asked for; the group, deployment and upstream model that answered.
        model text not null,
        model_group text,
        deployment_id text,
        provider text,
        upstream_model text,
        -- master, anonymous, virtual_key.
        principal text not null,
        -- A virtual key's token id (SHA-256 of its value, as virtual_keys.token_id); else null.
        api_key text,
        -- The request's user field (LiteLLM's end_user) and metadata.
        end_user text,
        metadata jsonb not null default '{}'::jsonb,
        prompt_tokens integer not null,
        completion_tokens integer not null,
        cached_tokens integer not null,
        total_tokens integer not null,
        -- US dollars; 0 when the model has no known price.
        spend double precision not null,
        -- success or failure; the HTTP status callers got, and the error type on failure.
        status text not null,
        status_code integer not null,
        error_type text,
        latency_ms double precision not null,
        ttft_ms double precision
      );
      create index spend_logs_start_time on spend_logs (start_time);
      create index spend_logs_api_key on spend_logs (api_key, start_time) where api_key is not null;
      create index spend_logs_model_group on spend_logs (model_group, start_time);
    `,
  },
  {
    version: 6,
    name: "salt_key_state",
    sql: `
      -- One row: which salt key the stored secrets are encrypted with, after a
      -- rotation through the API (src/credentials/salt-key-rotation.ts).
      create table salt_key_state (
        id integer primary key check (id = 1),
        -- Fingerprint of the current key (SaltKey.id); null: never rotated through the API.
        key_id text,
        -- The current key encrypted with the previous one (v3:gcm:), so replicas that hold
        -- the previous key learn it without a restart; null once the rotation is finished.
        wrapped_key text,
        rotated_at timestamptz
      );
      insert into salt_key_state (id) values (1);
    `,
  },
  {
    version: 7,
    name: "spend_logs_cache_hit",
    sql: `
      -- Calls answered from the response cache (src/cache/): LiteLLM's cache_hit and cache_key.
      alter table spend_logs add column cache_hit boolean not null default false;
      alter table spend_logs add column cache_key text;
    `,
  },
  {
    version: 8,
    name: "models",
    sql: `
      -- Deployments added through the API (LiteLLM's store_model_in_db), served beside model_list.
      create table models (
        -- model_info.id: given at creation, else a UUID.
        model_id text primary key,
        -- The model group callers ask for.
        model_name text not null,
        -- litellm_params as given, without its secret fields.
        litellm_params jsonb not null,
        -- The secret fields of litellm_params (api_key, aws_secret_access_key, vertex_credentials…),
        -- each encrypted by the service layer with the salt key; the store sees opaque strings.
        secret_params jsonb not null default '{}'::jsonb,
        -- model_info as given, without id.
        model_info jsonb not null default '{}'::jsonb,
        created_by text,
        updated_by text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index models_model_name on models (model_name);
    `,
  },
];
