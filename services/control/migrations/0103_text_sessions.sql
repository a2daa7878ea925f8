-- Text conversations through control (issue 13): a session is a call (transport `text`) the agent
-- worker runs as its text session of the same id; clients address it by its own id.
CREATE TABLE text_sessions (
  id uuid PRIMARY KEY,
  call_id uuid NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('test', 'widget')),
  -- SHA-256 of the widget's session token (widget sessions only): it authorises this session alone.
  token_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
