-- Roll-ups for the dashboards. A dashboard over the whole country used to read all of its tasks
-- (a quarter of a million rows) and the audit log on every request; these tables keep the counts
-- and the last activity as the data changes, in the same transaction, so a dashboard reads a few
-- rows per unit below it.

-- How many tasks of each calendar entry, unit level, status and completion day lie in the subtree
-- of each unit (the unit itself and everything below it). A task counts once under every one of
-- its unit's ancestors. The task's state (on time, late, overdue…) is not stored: it depends on
-- the deadline and on today, and the dashboard applies the one rule (`checklists::deadline`) to
-- these counts when it reads them.
CREATE TABLE task_rollup (
    unit_id           bigint NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    calendar_entry_id bigint NOT NULL REFERENCES calendar_entries (id) ON DELETE CASCADE,
    task_level        text NOT NULL,
    status            text NOT NULL,
    -- The evidence date of done tasks; null for the others, whose state does not depend on it.
    done_on           date,
    tasks             integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT (unit_id, calendar_entry_id, task_level, status, done_on)
);

-- One task's place in the roll-up, with a sign: +1 where it now counts, -1 where it no longer does.
CREATE TYPE task_rollup_change AS (calendar_entry_id bigint, unit_id bigint, status text, done_on date, delta integer);

CREATE FUNCTION task_rollup_change(t tasks, delta integer) RETURNS task_rollup_change LANGUAGE sql IMMUTABLE
    RETURN ROW(t.calendar_entry_id, t.unit_id, t.status, CASE WHEN t.status = 'done' THEN t.evidence_date END, delta);

-- Adds changes under every ancestor of each task's unit, in key order: two transactions touching
-- the same roll-up rows lock them in the same order and cannot deadlock. Changes of an entry
-- being deleted are dropped (its roll-up rows go with it).
CREATE FUNCTION task_rollup_add(changes task_rollup_change[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO task_rollup AS r (unit_id, calendar_entry_id, task_level, status, done_on, tasks)
    SELECT a.unit_id, c.calendar_entry_id, u.level, c.status, c.done_on, sum(c.delta)
      FROM unnest(changes) AS c
      JOIN calendar_entries e ON e.id = c.calendar_entry_id
      JOIN units u ON u.id = c.unit_id
     CROSS JOIN unnest(u.ancestors) AS a(unit_id)
     GROUP BY a.unit_id, c.calendar_entry_id, u.level, c.status, c.done_on
    HAVING sum(c.delta) <> 0
     ORDER BY a.unit_id, c.calendar_entry_id, u.level, c.status, c.done_on
        ON CONFLICT (unit_id, calendar_entry_id, task_level, status, done_on)
        DO UPDATE SET tasks = r.tasks + excluded.tasks
$$;

-- Statement-level, over the transition tables, so a bulk insert (a new calendar entry for every
-- unit, the national data set) is one aggregated write rather than one per task.
CREATE FUNCTION task_rollup_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_rollup_add(ARRAY(SELECT task_rollup_change(n, 1) FROM new_rows n));
    RETURN NULL;
END $$;
CREATE FUNCTION task_rollup_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_rollup_add(ARRAY(SELECT task_rollup_change(o, -1) FROM old_rows o));
    RETURN NULL;
END $$;
CREATE FUNCTION task_rollup_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only the rows whose place in the roll-up moved: a new note, review or editor moves nothing.
    PERFORM task_rollup_add(ARRAY(
        SELECT change
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (task_rollup_change(o, -1)), (task_rollup_change(n, 1))) AS v(change)
         WHERE task_rollup_change(o, 1) IS DISTINCT FROM task_rollup_change(n, 1)));
    RETURN NULL;
END $$;
CREATE TRIGGER task_rollup_inserted AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_rollup_inserted();
CREATE TRIGGER task_rollup_deleted AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_rollup_deleted();
CREATE TRIGGER task_rollup_updated AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_rollup_updated();

-- Counted again from the tasks: when a unit moves in the tree every count above it changes.
CREATE FUNCTION task_rollup_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM task_rollup;
    SELECT task_rollup_add(ARRAY(SELECT task_rollup_change(t, 1) FROM tasks t));
$$;
CREATE FUNCTION task_rollup_units_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_rollup_rebuild();
    RETURN NULL;
END $$;
CREATE TRIGGER task_rollup_units_moved AFTER UPDATE OF parent_id, ancestors, level ON units
    FOR EACH STATEMENT EXECUTE FUNCTION task_rollup_units_moved();

SELECT task_rollup_rebuild();

-- The last time anyone working in a unit's subtree changed something (sign-ins, sign-outs and
-- denied requests do not count): what "last activity" and "gone quiet" are read from. Kept by
-- `audit_log_marks` below, which runs while the audit chain lets one writer at a time through.
CREATE TABLE unit_activity (
    unit_id bigint PRIMARY KEY REFERENCES units (id) ON DELETE CASCADE,
    last_at timestamptz NOT NULL
);

-- The id of the newest audit record that may change what the structure checks find. Dashboards
-- keep the checks' results in memory while this stays the same (see `dashboards::cache`).
CREATE TABLE structure_generation (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    audit_id bigint NOT NULL
);
INSERT INTO structure_generation (audit_id) SELECT coalesce(max(id), 0) FROM audit_log;

-- Whether an audit action is a person's work (it counts as activity).
CREATE FUNCTION audit_action_is_work(action text) RETURNS boolean LANGUAGE sql IMMUTABLE
    RETURN action NOT LIKE 'login%' AND action NOT IN ('logout', 'access.denied');

-- Whether an audit action can change the structure checks' findings: everything but checklist
-- work, accounts and sign-ins. A new kind of action counts as structural until listed here.
CREATE FUNCTION audit_action_is_structural(action text) RETURNS boolean LANGUAGE sql IMMUTABLE
    RETURN action NOT LIKE 'task.%' AND action NOT LIKE 'attachment.%' AND action NOT LIKE 'user.%'
       AND action NOT LIKE 'login%' AND action NOT IN ('logout', 'access.denied', 'brief.saved');

-- Kept from each new audit record, after the chain trigger has given it its id, while its writer
-- still holds the chain's lock.
CREATE FUNCTION audit_log_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id IS NOT NULL AND audit_action_is_work(NEW.action) THEN
        INSERT INTO unit_activity AS a (unit_id, last_at)
        SELECT ancestor, NEW.at
          FROM users w JOIN units u ON u.id = w.unit_id CROSS JOIN unnest(u.ancestors) AS ancestor
         WHERE w.id = NEW.user_id
         ORDER BY ancestor
            ON CONFLICT (unit_id) DO UPDATE SET last_at = excluded.last_at WHERE a.last_at < excluded.last_at;
    END IF;
    IF audit_action_is_structural(NEW.action) THEN
        UPDATE structure_generation SET audit_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER audit_log_marks AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_marks();

INSERT INTO unit_activity (unit_id, last_at)
SELECT ancestor, max(a.at)
  FROM audit_log a JOIN users w ON w.id = a.user_id JOIN units u ON u.id = w.unit_id
 CROSS JOIN unnest(u.ancestors) AS ancestor
 WHERE audit_action_is_work(a.action)
 GROUP BY ancestor;

-- The election the application works on (the latest election day) with the data's version (the
-- newest audit record): read with the session on every request, so a page needs no other round
-- trip to draw its layout or to know whether a kept dashboard is still current.
CREATE VIEW current_election AS
SELECT id, name, election_day, unit_id, (SELECT coalesce(max(a.id), 0) FROM audit_log a) AS data_version
  FROM elections ORDER BY election_day DESC, id DESC LIMIT 1;
