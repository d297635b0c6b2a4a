-- The data version is the reader's snapshot, not a count that every writer moves.
--
-- Two snapshots that see the same committed transactions see the same data, and a snapshot sees
-- every change another one sees when its next transaction id is no lower and every transaction it
-- still finds running was running, or not yet started, for the other one too. So the dashboards'
-- cache can key its pages on the snapshot itself (`db::DataVersion`), and writers no longer update
-- a row of `data_changes` in every transaction: a task update is one statement again.

DROP VIEW current_election;
CREATE VIEW current_election AS
SELECT e.id, e.name, e.election_day, e.unit_id,
       pg_snapshot_xmax(s)::text::bigint AS data_next_xid,
       ARRAY(SELECT pg_snapshot_xip(s)::text::bigint ORDER BY 1) AS data_running_xids
  FROM elections e, pg_current_snapshot() AS s
 ORDER BY e.election_day DESC, e.id DESC LIMIT 1;

-- What is left of the marks is the structure checks' generation, moved by a structural change.
-- The trigger that numbers every record decides it, for the first structural record of a
-- transaction only (the generation has only to differ once the change commits), replacing the
-- statement trigger that captured every inserted record to look for one.
DROP TRIGGER audit_log_marks ON audit_log;
DROP FUNCTION audit_log_marks();
CREATE OR REPLACE FUNCTION audit_log_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The transaction takes its own id before the record takes its number: once every
    -- transaction that was running when a number was handed out has ended, no smaller number can
    -- still appear (see `audit_seal`).
    PERFORM pg_current_xact_id();
    NEW.id := nextval('audit_log_id_seq');
    NEW.prev_hash := NULL;
    NEW.hash := audit_log_hash(NEW);
    -- The setting is local to the transaction (and to a savepoint rolled back with it).
    IF audit_action_is_structural(NEW.action)
       AND current_setting('baucu.structure_changed', true) IS DISTINCT FROM 'yes' THEN
        UPDATE structure_generation SET generation = generation + 1;
        PERFORM set_config('baucu.structure_changed', 'yes', true);
    END IF;
    RETURN NEW;
END $$;

-- As in 0004, but the mark is written only when numbers were handed out since the last one: an
-- idle sealer writes nothing, so it does not move every reader's snapshot five times a second.
CREATE OR REPLACE FUNCTION audit_seal() RETURNS bigint LANGUAGE plpgsql AS $$
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
    IF mark.upto_id IS DISTINCT FROM handed_out THEN
        INSERT INTO audit_seal_mark AS m (upto_id, after_xid)
        VALUES (handed_out, pg_snapshot_xmax(pg_current_snapshot()))
            ON CONFLICT (only_row) DO UPDATE SET upto_id = excluded.upto_id, after_xid = excluded.after_xid;
    END IF;
    RETURN sealed;
END $$;

DROP FUNCTION data_changed();
DROP TABLE data_changes;

-- The record hash was declared immutable, but it calls stable functions (jsonb_build_array,
-- convert_to), so PostgreSQL would not inline it into the numbering trigger and ran it as a
-- separate SQL function, planned again in every writing transaction. Stable is what it is.
ALTER FUNCTION audit_log_hash(audit_log) STABLE;
