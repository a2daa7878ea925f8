-- Ended calls waiting to be copied to ClickHouse (when analytics runs on ClickHouse): the call.ended
-- consumer queues them, a poller copies a batch per insert and then deletes what it copied.
CREATE TABLE analytics_call_queue (
  call_id uuid PRIMARY KEY,
  queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analytics_call_queue_order_idx ON analytics_call_queue (queued_at);
