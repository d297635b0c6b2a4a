-- Dashboards are kept for a few seconds by the application (`dashboards::cache`), no longer
-- against the reader's snapshot, and the session lookup no longer reads the election: the view
-- of the election being worked on is the election alone.
DROP VIEW current_election;
CREATE VIEW current_election AS
SELECT e.id, e.name, e.election_day, e.unit_id
  FROM elections e
 ORDER BY e.election_day DESC, e.id DESC LIMIT 1;

-- Spread counts. On the day a deadline falls, updates from every commune of the country land on
-- the same calendar entry, and every one of them moved the same few roll-up rows of the country
-- and its province, so the writers queued behind each other on those rows. A count of a unit at
-- the top two levels of a task's ancestry is now kept in one of eight slots, chosen by the
-- writing connection, so concurrent writers mostly touch different rows. A slot's count may go
-- below zero (a task counted in one slot leaves from another); the sum over the slots is the count,
-- and readers add the slots up. Lower units have few writers each and keep one slot.
ALTER TABLE task_rollup ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE task_rollup DROP CONSTRAINT task_rollup_unit_id_calendar_entry_id_task_level_status_don_key;
ALTER TABLE task_rollup ADD CONSTRAINT task_rollup_key
    UNIQUE NULLS NOT DISTINCT (unit_id, calendar_entry_id, task_level, status, done_on, slot);

CREATE OR REPLACE FUNCTION task_rollup_add(changes task_rollup_change[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO task_rollup AS r (unit_id, calendar_entry_id, task_level, status, done_on, slot, tasks)
    SELECT a.unit_id, c.calendar_entry_id, u.level, c.status, c.done_on,
           CASE WHEN a.depth <= 2 THEN pg_backend_pid() % 8 ELSE 0 END, sum(c.delta)
      FROM unnest(changes) AS c
      JOIN calendar_entries e ON e.id = c.calendar_entry_id
      JOIN units u ON u.id = c.unit_id
     CROSS JOIN unnest(u.ancestors) WITH ORDINALITY AS a(unit_id, depth)
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(c.delta) <> 0
     ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (unit_id, calendar_entry_id, task_level, status, done_on, slot)
        DO UPDATE SET tasks = r.tasks + excluded.tasks
$$;

-- The history and the audit log name what they are about by foreign keys again. Migration 0006
-- dropped them to save the row locks they take; with task updates paced as people make them, the
-- mixed benchmark shows no cost that matters (see bench/RESULTS.md), and the database is the one
-- place that can promise that a record names a user, session, unit or task that exists.
DROP TRIGGER task_events_of_deleted_tasks ON tasks;
DROP FUNCTION task_events_of_deleted_tasks();
ALTER TABLE task_events
    ADD FOREIGN KEY (task_id) REFERENCES tasks (id) ON DELETE CASCADE,
    ADD FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE audit_log
    ADD FOREIGN KEY (user_id) REFERENCES users (id),
    ADD FOREIGN KEY (session_id) REFERENCES sessions (id),
    ADD FOREIGN KEY (unit_id) REFERENCES units (id);
ALTER TABLE form_submissions ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
