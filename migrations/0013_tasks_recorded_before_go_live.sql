-- A province that starts using the application after some deadlines passed records what was
-- already done, with the document that shows it. Such a task is done, but whether it was done
-- on time was never the application's to judge: it is counted done and never late. Any later
-- report or a return clears the mark (the task is then judged like any other).
ALTER TABLE tasks
    ADD COLUMN before_go_live boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT tasks_before_go_live_is_done CHECK (NOT before_go_live OR status = 'done');

-- The roll-ups count such tasks apart, so that dashboards count them done but never late.
CREATE OR REPLACE FUNCTION task_rollup_change(t tasks, delta integer) RETURNS task_rollup_change
    LANGUAGE sql IMMUTABLE
    RETURN ROW((t).calendar_entry_id, (t).unit_id,
               CASE WHEN (t).status = 'done' AND (t).before_go_live THEN 'done_before_go_live' ELSE (t).status END,
               CASE WHEN (t).status = 'done' THEN (t).evidence_date END, delta);

DROP TRIGGER task_rollup_moved ON tasks;
CREATE TRIGGER task_rollup_moved AFTER UPDATE ON tasks FOR EACH ROW
    WHEN (old.calendar_entry_id IS DISTINCT FROM new.calendar_entry_id
          OR old.unit_id IS DISTINCT FROM new.unit_id
          OR old.status IS DISTINCT FROM new.status
          OR old.evidence_date IS DISTINCT FROM new.evidence_date
          OR old.before_go_live IS DISTINCT FROM new.before_go_live)
    EXECUTE FUNCTION task_rollup_moved();

-- History says which steps were recorded before go-live.
ALTER TABLE task_events ADD COLUMN before_go_live boolean NOT NULL DEFAULT false;
