-- Outbound calls (services/control/src/outbound): the numbers a space must never call, and the
-- variables an outbound call was placed with (the agent's {{name}} placeholders are filled from them).
CREATE TABLE do_not_call (
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  number text NOT NULL,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (space_id, number)
);

CREATE TABLE call_variables (
  call_id uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
  variables jsonb NOT NULL
);
