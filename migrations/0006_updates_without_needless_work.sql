-- A task update does only the work its result needs.
--
-- 1. A trigger's WHEN clause is planned again for every statement that fires the trigger, and
--    planning it inlines the SQL functions it calls, reading their bodies back and parsing them
--    each time: a tenth of the database's work in a task update. The roll-up trigger's condition
--    now compares plain columns; the comparison of places sits in plpgsql, whose expressions are
--    planned once per connection.
-- 2. The history and the audit log name the user, session, unit and task they are about, but
--    those rows are never deleted (accounts are disabled, sessions ended, units kept), and every
--    record is written from the row it names, in the same statement. As foreign keys, the names
--    made each write lock six other rows (writing each lock to the WAL), the task it had just
--    updated among them, which PostgreSQL can only do by turning that row's lock into a list of
--    lockers (a multixact), as it does for a user's or a unit's row that several writers lock at
--    once. The one rule that mattered, that a deleted task takes its history with it, is kept by a
--    trigger.

-- The roll-up moves only when a task's place in it changes. The trigger's condition names the
-- columns `task_rollup_change` reads (a cheap filter); the function compares the places themselves.
CREATE OR REPLACE FUNCTION task_rollup_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF task_rollup_change(OLD, 1) IS DISTINCT FROM task_rollup_change(NEW, 1) THEN
        PERFORM task_rollup_add(ARRAY[task_rollup_change(OLD, -1), task_rollup_change(NEW, 1)]);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER task_rollup_moved ON tasks;
CREATE TRIGGER task_rollup_moved AFTER UPDATE ON tasks FOR EACH ROW
    WHEN (OLD.calendar_entry_id IS DISTINCT FROM NEW.calendar_entry_id OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
          OR OLD.status IS DISTINCT FROM NEW.status OR OLD.evidence_date IS DISTINCT FROM NEW.evidence_date)
    EXECUTE FUNCTION task_rollup_moved();

-- Names, not locks.
ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_user_id_fkey,
    DROP CONSTRAINT audit_log_session_id_fkey,
    DROP CONSTRAINT audit_log_unit_id_fkey;
ALTER TABLE task_events
    DROP CONSTRAINT task_events_task_id_fkey,
    DROP CONSTRAINT task_events_user_id_fkey;
ALTER TABLE form_submissions DROP CONSTRAINT form_submissions_user_id_fkey;

-- The one-time token of the form that last saved the task. The version already keeps a form sent
-- twice from saving twice; the token tells the second sending that it was the first that saved,
-- rather than someone else. Kept on the task, it costs no row of `form_submissions` per update.
ALTER TABLE tasks ADD COLUMN submission text;

-- A deleted task (its calendar entry removed) takes its history with it, as the cascade did.
CREATE FUNCTION task_events_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM task_events e USING old_rows o WHERE e.task_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER task_events_of_deleted_tasks AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_events_of_deleted_tasks();

-- The sealer keeps the last activity from each user's latest record among those it chains, rather
-- than joining every record to its writer's unit: a busy officer's hundred updates are one row.
CREATE OR REPLACE FUNCTION audit_seal_upto(upto bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last_sealed bigint;
    chain bytea;
    r record;
    ids bigint[] := '{}';
    seals bytea[] := '{}';
BEGIN
    SELECT audit_id, seal INTO last_sealed, chain FROM audit_seal ORDER BY audit_id DESC LIMIT 1;
    last_sealed := coalesce(last_sealed, 0);
    IF upto <= last_sealed THEN
        RETURN 0;
    END IF;
    -- Each seal needs the one before, so they are worked out in order, then written at once.
    FOR r IN SELECT id, hash FROM audit_log WHERE id > last_sealed AND id <= upto ORDER BY id LOOP
        chain := sha256(coalesce(chain, '') || r.hash);
        ids := ids || r.id;
        seals := seals || chain;
    END LOOP;
    INSERT INTO audit_seal (audit_id, seal) SELECT * FROM unnest(ids, seals);
    INSERT INTO unit_activity AS a (unit_id, last_at)
    SELECT ancestor, max(l.last_at)
      FROM (SELECT user_id, max(at) AS last_at FROM audit_log
             WHERE id > last_sealed AND id <= upto AND audit_action_is_work(action)
             GROUP BY user_id) AS l
      JOIN users w ON w.id = l.user_id JOIN units u ON u.id = w.unit_id
     CROSS JOIN unnest(u.ancestors) AS ancestor
     GROUP BY ancestor
     ORDER BY ancestor
        ON CONFLICT (unit_id) DO UPDATE SET last_at = excluded.last_at WHERE a.last_at < excluded.last_at;
    RETURN cardinality(ids);
END $$;
