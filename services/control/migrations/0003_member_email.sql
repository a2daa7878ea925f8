-- What an admin typed when adding a member stays on that membership; users.email comes only from
-- the user's own token (issue 13). Existing memberships keep the address they showed so far.
ALTER TABLE members ADD COLUMN email text;
UPDATE members m SET email = u.email FROM users u WHERE u.id = m.user_id;
