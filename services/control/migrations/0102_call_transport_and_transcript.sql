-- One call model (issue 13): how the conversation is carried, and when its transcript was announced.

-- `voice`: a LiveKit room (browser or phone). `text`: a text session of the agent worker through control.
ALTER TABLE calls ADD COLUMN transport text NOT NULL DEFAULT 'voice' CHECK (transport IN ('voice', 'text'));

-- call.transcript.ready goes out once per call; calls that ended before this column existed count as announced.
ALTER TABLE calls ADD COLUMN transcript_announced_at timestamptz;
UPDATE calls SET transcript_announced_at = ended_at WHERE status IN ('ended', 'failed');
CREATE INDEX calls_transcript_pending_idx ON calls (ended_at) WHERE transcript_announced_at IS NULL AND status IN ('ended', 'failed');
