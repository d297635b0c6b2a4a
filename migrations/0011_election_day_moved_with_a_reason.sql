-- Election day can be moved (by law, by the National Assembly's resolution). The day it was
-- moved from and why are kept on the election, so every page can say that the deadlines moved;
-- the audit log keeps the whole history.
ALTER TABLE elections
    ADD COLUMN moved_from date,
    ADD COLUMN moved_reason text CHECK (moved_reason <> '');

CREATE OR REPLACE VIEW current_election AS
SELECT e.id, e.name, e.election_day, e.unit_id, e.moved_from, e.moved_reason
  FROM elections e
 ORDER BY e.election_day DESC, e.id DESC
 LIMIT 1;
