-- Hosts a space's outbound webhooks may reach at private addresses or over plain http (issue 13).
ALTER TABLE spaces ADD COLUMN webhook_host_allow_list jsonb NOT NULL DEFAULT '[]';
