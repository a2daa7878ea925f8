-- Admin-configured inbound webhook routes: POST /in/{key}.
CREATE TABLE webhook_routes (
  key text PRIMARY KEY,
  space_id uuid NOT NULL,
  description text NOT NULL DEFAULT '',
  enabled boolean NOT NULL DEFAULT true,
  auth jsonb NOT NULL,
  rules jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_routes_space_idx ON webhook_routes (space_id);
