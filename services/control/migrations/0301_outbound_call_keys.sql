-- Idempotency-Key of POST /spaces/{id}/calls: a retried request returns the call the first one placed
-- instead of dialling the number again.
CREATE TABLE outbound_call_keys (
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  key text NOT NULL,
  request_hash text NOT NULL,
  call_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (space_id, key)
);
