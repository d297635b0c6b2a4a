-- Several elections can exist (a new term, a by-election in one province); each user works on
-- the one they chose, and falls back to the latest election concerning their unit. The choice
-- follows the user across sessions and devices; an election deleted leaves them on the default.
ALTER TABLE users
    ADD COLUMN election_id bigint REFERENCES elections (id) ON DELETE SET NULL;

-- The application now picks the election per user; no single "current" one remains.
DROP VIEW current_election;
