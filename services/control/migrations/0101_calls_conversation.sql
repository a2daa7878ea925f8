-- Conversations (issue 4): what a call gathers while it runs and after it ends.

ALTER TABLE calls ADD COLUMN egress_id text;
ALTER TABLE calls ADD COLUMN dispatch_id text;
CREATE INDEX calls_room_idx ON calls (room_name);

-- Transcript turns as the agent worker posts them; (call_id, sequence) makes a retried post a no-op.
CREATE TABLE call_transcript_turns (
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  sequence integer NOT NULL,
  turn jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (call_id, sequence)
);

-- What happened to a call that an admin should see: provider and LiveKit events, outages, failures.
CREATE TABLE call_events (
  id bigserial PRIMARY KEY,
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX call_events_by_call ON call_events (call_id, id);

-- The final usage of a call, reported once by the agent worker.
CREATE TABLE call_usage (
  call_id uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
  space_id uuid NOT NULL,
  agent_id uuid NOT NULL,
  usage jsonb NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_usage_space_idx ON call_usage (space_id, reported_at);

-- Usage events on their way to Lago: one row per (call, metric); the transaction id is Lago's idempotency key.
CREATE TABLE lago_events (
  transaction_id text PRIMARY KEY,
  call_id uuid NOT NULL,
  space_id uuid NOT NULL,
  code text NOT NULL,
  properties jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lago_events_due ON lago_events (next_attempt_at) WHERE status = 'pending';
CREATE INDEX lago_events_by_call ON lago_events (call_id);
