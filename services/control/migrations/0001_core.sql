-- Control's own tables. Issue-4 (conversations) migrations are numbered 0100 and up.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  subject text NOT NULL UNIQUE,
  email text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE spaces (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  tool_host_allow_list jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin', 'owner')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (space_id, user_id)
);
CREATE INDEX members_user_idx ON members (user_id);

CREATE TABLE credentials (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}',
  -- AES-256-GCM, bound to (space_id, id); the plaintext is never stored.
  secret_ciphertext text NOT NULL,
  hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credentials_space_idx ON credentials (space_id, created_at DESC, id DESC);

CREATE TABLE tools (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  config jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (space_id, name)
);
CREATE INDEX tools_space_idx ON tools (space_id, created_at DESC, id DESC);

CREATE TABLE agents (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  config jsonb NOT NULL,
  publishable_key text NOT NULL UNIQUE,
  -- Bumped on every change of the agent (and of a tool or credential it uses): runtime-config cache key.
  version bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_space_idx ON agents (space_id, created_at DESC, id DESC);

CREATE TABLE phone_numbers (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('twilio', 'voximplant')),
  number text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('sip', 'stream')),
  agent_id uuid NOT NULL REFERENCES agents (id),
  credential_id uuid REFERENCES credentials (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- A provider's number belongs to one space: the webhook receiver looks it up by (provider, number).
  UNIQUE (provider, number)
);
CREATE INDEX phone_numbers_space_idx ON phone_numbers (space_id, created_at DESC, id DESC);

CREATE TABLE webhook_subscriptions (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  event_types jsonb NOT NULL DEFAULT '[]',
  enabled boolean NOT NULL DEFAULT true,
  secret_ciphertext text NOT NULL,
  disabled_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_space_idx ON webhook_subscriptions (space_id, created_at DESC, id DESC);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  prefix text NOT NULL,
  -- SHA-256 of the whole key; the key itself is shown once and never stored.
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX api_keys_space_idx ON api_keys (space_id, created_at DESC, id DESC);

CREATE TABLE calls (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- No foreign key: a call's history outlives the agent that took it.
  agent_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('test', 'widget', 'phone')),
  status text NOT NULL CHECK (status IN ('created', 'ringing', 'in_progress', 'ended', 'failed')),
  room_name text NOT NULL,
  direction text NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound')),
  provider text CHECK (provider IN ('twilio', 'voximplant')),
  provider_call_id text,
  from_number text,
  to_number text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  ended_at timestamptz,
  duration_seconds double precision,
  end_reason text,
  failure_reason text,
  recording_key text
);
CREATE INDEX calls_space_idx ON calls (space_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX calls_provider_call_idx ON calls (provider, provider_call_id) WHERE provider_call_id IS NOT NULL;

-- Events written in the same transaction as the change they describe; the relay publishes them.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- One relay at a time across control instances, by lease (no transaction is held while publishing).
CREATE TABLE outbox_relay_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  actor_label text NOT NULL,
  actor_role text,
  action text NOT NULL,
  resource text NOT NULL,
  resource_id text NOT NULL,
  before jsonb,
  after jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_space_idx ON audit_log (space_id, created_at DESC, id DESC);
