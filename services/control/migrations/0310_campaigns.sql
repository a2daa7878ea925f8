-- Campaigns (services/control/src/campaigns): an agent calls a list of contacts from one number,
-- within a schedule, a concurrency cap and a retry policy. The dialler claims work with
-- FOR UPDATE SKIP LOCKED, so several control instances share it.
CREATE TABLE campaigns (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- CampaignInput as validated (name, agentId, phoneNumberId, schedule, caps, retry policy, columns).
  config jsonb NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'paused', 'completed', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  -- When the dialler last gave this campaign a call (the dialler's clock): the least recently served go first.
  last_dial_at timestamptz
);
CREATE INDEX campaigns_by_space ON campaigns (space_id, created_at DESC, id DESC);
CREATE INDEX campaigns_running ON campaigns (last_dial_at) WHERE status = 'running';

CREATE TABLE campaign_contacts (
  id uuid PRIMARY KEY,
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- The CSV line it came from (header = line 1).
  line integer NOT NULL,
  number text NOT NULL,
  variables jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'dialling', 'completed', 'failed', 'skipped', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  last_outcome text,
  last_reason text,
  -- When the next try is due (the dialler's clock); NULL: as soon as the schedule allows.
  next_attempt_at timestamptz,
  -- The current try's call id, chosen when the try is claimed, before anything is dialled.
  call_id uuid,
  -- When the current try was claimed (the dialler's clock): a try nobody finished placing is taken over after a lease.
  dial_started_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, number)
);
CREATE INDEX campaign_contacts_by_line ON campaign_contacts (campaign_id, line);
CREATE INDEX campaign_contacts_due ON campaign_contacts (campaign_id, next_attempt_at NULLS FIRST, line)
  WHERE status = 'pending';
CREATE INDEX campaign_contacts_dialling ON campaign_contacts (campaign_id) WHERE status = 'dialling';

-- One row per try: (contact, attempt) has exactly one call id, so a try is dialled at most once.
CREATE TABLE campaign_attempts (
  contact_id uuid NOT NULL REFERENCES campaign_contacts (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  call_id uuid NOT NULL UNIQUE,
  claimed_at timestamptz NOT NULL,
  outcome text,
  PRIMARY KEY (contact_id, attempt)
);
CREATE INDEX campaign_attempts_open ON campaign_attempts (campaign_id) WHERE outcome IS NULL;

-- Calls started per number per second (the dialler's clock), shared by every campaign and instance.
CREATE TABLE campaign_number_pacing (
  phone_number_id uuid NOT NULL,
  second bigint NOT NULL,
  dials integer NOT NULL DEFAULT 0,
  PRIMARY KEY (phone_number_id, second)
);
