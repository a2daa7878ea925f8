-- The PostgreSQL-backed bus: one ordered log per topic, one committed position per consumer group and topic.

CREATE TABLE bus_topics (
  topic text PRIMARY KEY,
  -- The offset the next published message gets; its row lock orders concurrent publishers.
  next_offset bigint NOT NULL DEFAULT 0
);

CREATE TABLE bus_messages (
  topic text NOT NULL,
  "offset" bigint NOT NULL,
  key text NOT NULL,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, "offset")
);

CREATE TABLE bus_consumer_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic)
);

-- One consumer of a group reads a topic at a time (like one Kafka partition per topic).
CREATE TABLE bus_consumer_leases (
  group_id text NOT NULL,
  topic text NOT NULL,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (group_id, topic)
);
