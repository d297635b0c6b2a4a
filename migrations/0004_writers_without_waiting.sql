-- Writers no longer wait for each other.
--
-- Until now every audit record took a lock, read the newest record, linked to it and kept the lock
-- until its transaction committed: the chain followed the order of commits, so the newest id was a
-- version of all the data, and the audit trigger could keep `unit_activity` one writer at a time.
-- Under load every change in the country queued on that lock, through its round trip to the
-- application and its commit's flush: task updates ran at a fifth of what PostgreSQL does with the
-- same clients. Three things replace it.
--
-- 1. Records are numbered from a sequence and hashed alone as they are written, with no lock.
--    They are chained afterwards, in id order, by `audit_seal()` into `audit_seal`, once no
--    transaction that could still add a smaller number is running. The application calls it a few
--    times a second; `baucu audit verify` calls it before it walks the chain.
-- 2. The data's version is a count of changes spread over rows that writers pick without waiting
--    (`data_changes`): the sum grows with every commit and is the same for two snapshots only if
--    they see the same changes.
-- 3. The last activity of each subtree is kept by `audit_seal()` from the records it chains,
--    one writer at a time, a fraction of a second after the change.

-- Numbers and hashes ----------------------------------------------------------------------------

CREATE SEQUENCE audit_log_id_seq AS bigint OWNED BY audit_log.id;
SELECT setval('audit_log_id_seq', coalesce(max(id), 0) + 1, false) FROM audit_log;

-- The last number handed out (committed or not, possibly rolled back).
CREATE FUNCTION audit_log_last_number() RETURNS bigint LANGUAGE sql VOLATILE
    RETURN (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM audit_log_id_seq);

-- A record's hash covers its content and its id. Records written before this migration keep
-- their link (`prev_hash`) as part of that content.
CREATE FUNCTION audit_log_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The transaction takes its own id before the record takes its number: once every
    -- transaction that was running when a number was handed out has ended, no smaller number can
    -- still appear (see `audit_seal`).
    PERFORM pg_current_xact_id();
    NEW.id := nextval('audit_log_id_seq');
    NEW.prev_hash := NULL;
    NEW.hash := audit_log_hash(NEW);
    RETURN NEW;
END $$;
DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_log_chain();
CREATE TRIGGER audit_log_number BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_number();

-- The chain ---------------------------------------------------------------------------------------

-- Each record in id order, with sha256(the previous record's seal || the record's hash). An
-- altered record no longer matches its hash; a removed one leaves a seal without its record; a
-- removed seal breaks the next one. Append-only, like the log.
CREATE TABLE audit_seal (
    audit_id bigint PRIMARY KEY,
    seal     bytea NOT NULL
);
CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- How far the next run may chain: every number up to `upto_id` was handed out before a snapshot
-- whose next transaction id was `after_xid`. When every transaction older than that has ended,
-- each of those numbers is either committed and visible or gone for good.
CREATE TABLE audit_seal_mark (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    upto_id   bigint NOT NULL,
    after_xid xid8 NOT NULL
);

-- Chains the visible records after the last sealed one up to `upto`, and keeps the last activity
-- of every subtree from them. Returns how many it chained.
CREATE FUNCTION audit_seal_upto(upto bigint) RETURNS bigint LANGUAGE plpgsql AS $$
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
    SELECT ancestor, max(l.at)
      FROM audit_log l JOIN users w ON w.id = l.user_id JOIN units u ON u.id = w.unit_id
     CROSS JOIN unnest(u.ancestors) AS ancestor
     WHERE l.id > last_sealed AND l.id <= upto AND audit_action_is_work(l.action)
     GROUP BY ancestor
     ORDER BY ancestor
        ON CONFLICT (unit_id) DO UPDATE SET last_at = excluded.last_at WHERE a.last_at < excluded.last_at;
    RETURN cardinality(ids);
END $$;

-- One run of the sealer: chains up to the mark left by the previous run if every transaction it
-- waited for has ended, then leaves a new mark. Runs one at a time.
CREATE FUNCTION audit_seal() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    mark audit_seal_mark%ROWTYPE;
    handed_out bigint;
    sealed bigint := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('baucu.audit_seal'));
    SELECT * INTO mark FROM audit_seal_mark;
    IF FOUND AND pg_snapshot_xmin(pg_current_snapshot()) >= mark.after_xid THEN
        sealed := audit_seal_upto(mark.upto_id);
    END IF;
    -- The number first, the snapshot in a later statement: every transaction that had taken a
    -- number by then already had its own id, below the snapshot's next one.
    handed_out := audit_log_last_number();
    INSERT INTO audit_seal_mark AS m (upto_id, after_xid)
    VALUES (handed_out, pg_snapshot_xmax(pg_current_snapshot()))
        ON CONFLICT (only_row) DO UPDATE SET upto_id = excluded.upto_id, after_xid = excluded.after_xid;
    IF sealed > 0 THEN
        PERFORM data_changed();
    END IF;
    RETURN sealed;
END $$;

-- The data's version ------------------------------------------------------------------------------

-- Counts of changes, spread over rows so that concurrent writers need not wait for each other:
-- each takes a row nobody holds (or, if all are held, one by its process id). The version is the
-- sum, read with the session (`current_election`).
CREATE TABLE data_changes (
    shard   smallint PRIMARY KEY,
    changes bigint NOT NULL
);
INSERT INTO data_changes (shard, changes) SELECT s, 0 FROM generate_series(0, 31) AS s;
UPDATE data_changes SET changes = (SELECT coalesce(max(id), 0) FROM audit_log) WHERE shard = 0;

CREATE FUNCTION data_changed() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_changes SET changes = changes + 1
     WHERE shard = (SELECT shard FROM data_changes LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        UPDATE data_changes SET changes = changes + 1 WHERE shard = pg_backend_pid() % 32;
    END IF;
END $$;

CREATE OR REPLACE VIEW current_election AS
SELECT id, name, election_day, unit_id, (SELECT sum(changes)::bigint FROM data_changes) AS data_version
  FROM elections ORDER BY election_day DESC, id DESC LIMIT 1;

-- The structure checks' generation counts structural changes, rather than naming the newest one
-- (ids are no longer committed in order).
ALTER TABLE structure_generation RENAME COLUMN audit_id TO generation;

-- Once per statement rather than per record: a bulk load (the national data set writes a quarter
-- of a million records in one statement) would otherwise update one row that many times in one
-- transaction, and leave the table that every request reads as many pages long.
DROP TRIGGER audit_log_marks ON audit_log;
DROP FUNCTION audit_log_marks();
CREATE FUNCTION audit_log_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM data_changed();
    IF EXISTS (SELECT 1 FROM new_rows WHERE audit_action_is_structural(action)) THEN
        UPDATE structure_generation SET generation = generation + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER audit_log_marks AFTER INSERT ON audit_log REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_marks();

-- Everything written so far is chained now; the application keeps up from here.
SELECT audit_seal_upto(coalesce(max(id), 0)) FROM audit_log;

-- Roll-ups: a task update moves its counts only when its place in them changes. A row trigger
-- with that condition costs nothing for a new note or editor, where the statement trigger built
-- and compared transition tables on every update.
DROP TRIGGER task_rollup_updated ON tasks;
DROP FUNCTION task_rollup_updated();
CREATE FUNCTION task_rollup_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_rollup_add(ARRAY[task_rollup_change(OLD, -1), task_rollup_change(NEW, 1)]);
    RETURN NULL;
END $$;
CREATE TRIGGER task_rollup_moved AFTER UPDATE ON tasks FOR EACH ROW
    WHEN (task_rollup_change(OLD, 1) IS DISTINCT FROM task_rollup_change(NEW, 1))
    EXECUTE FUNCTION task_rollup_moved();
