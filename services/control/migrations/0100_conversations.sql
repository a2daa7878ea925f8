-- Conversations (issue 4): outbound webhook deliveries, transcripts, usage, call lifecycle log.
-- Tables of the control API proper (calls, agents, webhook subscriptions) come from 0001…0099.

CREATE TABLE webhook_messages (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL,
  subscription_id uuid NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  locked_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_by_subscription ON webhook_messages (subscription_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  message_id uuid NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text,
  response_excerpt text,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'disabled')),
  next_attempt_at timestamptz
);
CREATE INDEX webhook_attempts_by_message ON webhook_attempts (message_id, id);
