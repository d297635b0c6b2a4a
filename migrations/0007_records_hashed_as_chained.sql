-- Records are hashed by the sealer as it chains them, not one by one as they are written.
--
-- Hashing a record as it was written cost every change about 50 µs inside its statement (the
-- record's content built as JSON text and hashed, through a SQL function called from the
-- numbering trigger), on the path of the user's request. The sealer, which chains new records a
-- fraction of a second after they commit, now hashes each one as it chains it and keeps the hash
-- in the record's seal; `baucu audit verify` compares every record with the hash kept for it.
--
-- What the stored hash proved is unchanged: a record altered after it was chained no longer
-- matches the hash kept for it, a removed one leaves its seal, a removed seal breaks the next. A
-- record altered in the moment before it is chained is hashed as altered, as a record altered
-- together with its hash was before: neither hash is secret, so it never stopped someone who can
-- write to the table; the chain, once built, does.

-- The record's hash as it was chained. Seals from before this migration leave it empty: their
-- records carry their own hash.
ALTER TABLE audit_seal ADD COLUMN hash bytea;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;

-- As in 0005, without the hash.
CREATE OR REPLACE FUNCTION audit_log_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The transaction takes its own id before the record takes its number: once every
    -- transaction that was running when a number was handed out has ended, no smaller number can
    -- still appear (see `audit_seal`).
    PERFORM pg_current_xact_id();
    NEW.id := nextval('audit_log_id_seq');
    NEW.prev_hash := NULL;
    -- The sealer takes a record's own hash only from records written before this migration; one
    -- handed in with a new record is not kept.
    NEW.hash := NULL;
    -- The setting is local to the transaction (and to a savepoint rolled back with it).
    IF audit_action_is_structural(NEW.action)
       AND current_setting('baucu.structure_changed', true) IS DISTINCT FROM 'yes' THEN
        UPDATE structure_generation SET generation = generation + 1;
        PERFORM set_config('baucu.structure_changed', 'yes', true);
    END IF;
    RETURN NEW;
END $$;

-- As in 0006, hashing each record it chains (a record written before this migration keeps the
-- hash it was written with, which is how it was hashed).
CREATE OR REPLACE FUNCTION audit_seal_upto(upto bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last_sealed bigint;
    chain bytea;
    r record;
    ids bigint[] := '{}';
    hashes bytea[] := '{}';
    seals bytea[] := '{}';
BEGIN
    SELECT audit_id, seal INTO last_sealed, chain FROM audit_seal ORDER BY audit_id DESC LIMIT 1;
    last_sealed := coalesce(last_sealed, 0);
    IF upto <= last_sealed THEN
        RETURN 0;
    END IF;
    -- Each seal needs the one before, so they are worked out in order, then written at once.
    FOR r IN SELECT a.id, coalesce(a.hash, audit_log_hash(a)) AS hash FROM audit_log a
              WHERE a.id > last_sealed AND a.id <= upto ORDER BY a.id LOOP
        chain := sha256(coalesce(chain, '') || r.hash);
        ids := ids || r.id;
        hashes := hashes || r.hash;
        seals := seals || chain;
    END LOOP;
    INSERT INTO audit_seal (audit_id, hash, seal) SELECT * FROM unnest(ids, hashes, seals);
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
