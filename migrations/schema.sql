-- The current schema, generated from the migrations by ./dev.sh (sqlx-prepare regenerates it,
-- test fails while it is stale). Read it here; change the schema with a new migration.
--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


--
-- Name: unaccent; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;


--
-- Name: EXTENSION unaccent; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION unaccent IS 'text search dictionary that removes accents';


--
-- Name: task_rollup_change; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.task_rollup_change AS (
	calendar_entry_id bigint,
	unit_id bigint,
	status text,
	done_on date,
	delta integer
);


--
-- Name: audit_action_is_structural(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_action_is_structural(action text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN ((action !~~ 'task.%'::text) AND (action !~~ 'attachment.%'::text) AND (action !~~ 'user.%'::text) AND (action !~~ 'login%'::text) AND (action <> ALL (ARRAY['logout'::text, 'access.denied'::text, 'brief.saved'::text])));


--
-- Name: audit_action_is_work(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_action_is_work(action text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN ((action !~~ 'login%'::text) AND (action <> ALL (ARRAY['logout'::text, 'access.denied'::text])));


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    user_id bigint,
    session_id bigint,
    unit_id bigint,
    action text NOT NULL,
    object_type text,
    object_id bigint,
    before jsonb,
    after jsonb,
    client_addr inet,
    prev_hash bytea,
    hash bytea,
    CONSTRAINT audit_log_action_check CHECK ((action <> ''::text))
);


--
-- Name: audit_log_hash(public.audit_log); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_hash(r public.audit_log) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN sha256(convert_to((jsonb_build_array(encode((r).prev_hash, 'hex'::text), (r).id, ((EXTRACT(epoch FROM (r).at) * (1000000)::numeric))::bigint, (r).user_id, (r).session_id, (r).unit_id, (r).action, (r).object_type, (r).object_id, (r).before, (r).after, host((r).client_addr)))::text, 'UTF8'::name));


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: audit_log_last_number(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_last_number() RETURNS bigint
    LANGUAGE sql
    RETURN (SELECT CASE WHEN audit_log_id_seq.is_called THEN audit_log_id_seq.last_value ELSE (audit_log_id_seq.last_value - 1) END AS "case" FROM public.audit_log_id_seq);


--
-- Name: audit_log_number(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_number() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: audit_log_refuse_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;


--
-- Name: audit_seal(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_seal() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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


--
-- Name: audit_seal_upto(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_seal_upto(upto bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: bump_version(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bump_version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END $$;


--
-- Name: calendar_entries_keep_legal(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.calendar_entries_keep_legal() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.kind = 'legal' AND (NEW.offset_days <> OLD.offset_days OR NEW.kind <> OLD.kind
                               OR NEW.retired_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a legal deadline cannot be moved or retired'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'calendar_entries_legal_fixed';
    END IF;
    RETURN NEW;
END $$;


--
-- Name: count_votes_check(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.count_votes_check() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.votes > (SELECT ballots_valid FROM count_minutes WHERE id = NEW.minutes_id) THEN
        RAISE EXCEPTION 'a candidate cannot have more votes than there are valid ballots'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'count_votes_within_valid';
    END IF;
    RETURN NEW;
END $$;


--
-- Name: search_key(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.search_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, $1));


--
-- Name: task_rollup_add(public.task_rollup_change[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_add(changes public.task_rollup_change[]) RETURNS void
    LANGUAGE sql
    AS $$
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


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id bigint NOT NULL,
    calendar_entry_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    status text DEFAULT 'not_started'::text NOT NULL,
    status_reason text,
    evidence_number text,
    evidence_date date,
    evidence_signer text,
    note text,
    review text DEFAULT 'none'::text NOT NULL,
    review_comment text,
    reviewed_by bigint,
    reviewed_at timestamp with time zone,
    updated_by bigint,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    submission text,
    before_go_live boolean DEFAULT false NOT NULL,
    CONSTRAINT tasks_before_go_live_is_done CHECK (((NOT before_go_live) OR (status = 'done'::text))),
    CONSTRAINT tasks_check CHECK (((status <> 'done'::text) OR (evidence_date IS NOT NULL))),
    CONSTRAINT tasks_check1 CHECK (((status <> ALL (ARRAY['not_applicable'::text, 'blocked'::text])) OR (COALESCE(status_reason, ''::text) <> ''::text))),
    CONSTRAINT tasks_review_check CHECK ((review = ANY (ARRAY['none'::text, 'approved'::text, 'returned'::text]))),
    CONSTRAINT tasks_status_check CHECK ((status = ANY (ARRAY['not_started'::text, 'in_progress'::text, 'done'::text, 'not_applicable'::text, 'blocked'::text])))
);


--
-- Name: task_rollup_change(public.tasks, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_change(t public.tasks, delta integer) RETURNS public.task_rollup_change
    LANGUAGE sql IMMUTABLE
    RETURN ROW((t).calendar_entry_id, (t).unit_id, CASE WHEN (((t).status = 'done'::text) AND (t).before_go_live) THEN 'done_before_go_live'::text ELSE (t).status END, CASE WHEN ((t).status = 'done'::text) THEN (t).evidence_date ELSE NULL::date END, delta);


--
-- Name: task_rollup_deleted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM task_rollup_add(ARRAY(SELECT task_rollup_change(o, -1) FROM old_rows o));
    RETURN NULL;
END $$;


--
-- Name: task_rollup_inserted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM task_rollup_add(ARRAY(SELECT task_rollup_change(n, 1) FROM new_rows n));
    RETURN NULL;
END $$;


--
-- Name: task_rollup_moved(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_moved() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF task_rollup_change(OLD, 1) IS DISTINCT FROM task_rollup_change(NEW, 1) THEN
        PERFORM task_rollup_add(ARRAY[task_rollup_change(OLD, -1), task_rollup_change(NEW, 1)]);
    END IF;
    RETURN NULL;
END $$;


--
-- Name: task_rollup_rebuild(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_rebuild() RETURNS void
    LANGUAGE sql
    AS $$
    DELETE FROM task_rollup;
    SELECT task_rollup_add(ARRAY(SELECT task_rollup_change(t, 1) FROM tasks t));
$$;


--
-- Name: task_rollup_units_moved(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_rollup_units_moved() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM task_rollup_rebuild();
    RETURN NULL;
END $$;


--
-- Name: units_check_parent(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.units_check_parent() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND (
        SELECT pl.depth FROM units p JOIN unit_levels pl ON pl.code = p.level WHERE p.id = NEW.parent_id
    ) >= (SELECT depth FROM unit_levels WHERE code = NEW.level) THEN
        RAISE EXCEPTION 'a unit''s parent must be of a higher level' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'units_parent_level';
    END IF;
    RETURN NEW;
END $$;


--
-- Name: units_move_descendants(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.units_move_descendants() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE units
       SET ancestors = NEW.ancestors || ancestors[array_position(ancestors, NEW.id) + 1:]
     WHERE ancestors @> ARRAY[NEW.id] AND id <> NEW.id;
    RETURN NULL;
END $$;


--
-- Name: units_set_ancestors(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.units_set_ancestors() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.ancestors := coalesce((SELECT ancestors FROM units WHERE id = NEW.parent_id), '{}') || NEW.id;
    RETURN NEW;
END $$;


--
-- Name: agencies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agencies (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    retired_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT agencies_name_check CHECK ((name <> ''::text))
);


--
-- Name: agencies_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.agencies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: agencies_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.agencies_id_seq OWNED BY public.agencies.id;


--
-- Name: audit_seal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_seal (
    audit_id bigint NOT NULL,
    seal bytea NOT NULL,
    hash bytea
);


--
-- Name: audit_seal_mark; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_seal_mark (
    only_row boolean DEFAULT true NOT NULL,
    upto_id bigint NOT NULL,
    after_xid xid8 NOT NULL,
    CONSTRAINT audit_seal_mark_only_row_check CHECK (only_row)
);


--
-- Name: bodies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bodies (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    kind text NOT NULL,
    unit_id bigint NOT NULL,
    race_id bigint,
    constituency_id bigint,
    polling_area_id bigint,
    name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    decision_number text,
    decision_date date,
    decision_signer text,
    reported_member_count integer,
    dissolved_at date,
    dissolution_reason text,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT bodies_check CHECK (((kind = 'election_board'::text) = ((constituency_id IS NOT NULL) AND (race_id IS NOT NULL)))),
    CONSTRAINT bodies_check1 CHECK (((kind = 'polling_group'::text) = (polling_area_id IS NOT NULL))),
    CONSTRAINT bodies_check2 CHECK (((kind = 'election_board'::text) OR (race_id IS NULL))),
    CONSTRAINT bodies_check3 CHECK (((dissolved_at IS NULL) = (dissolution_reason IS NULL))),
    CONSTRAINT bodies_name_check CHECK ((name <> ''::text)),
    CONSTRAINT bodies_reported_member_count_check CHECK ((reported_member_count >= 0))
);


--
-- Name: bodies_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.bodies ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.bodies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: body_kinds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.body_kinds (
    code text NOT NULL,
    name_vi text NOT NULL,
    name_en text NOT NULL
);


--
-- Name: body_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.body_members (
    id bigint NOT NULL,
    body_id bigint NOT NULL,
    full_name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    role text NOT NULL,
    "position" text,
    phone text,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT body_members_full_name_check CHECK ((full_name <> ''::text)),
    CONSTRAINT body_members_role_check CHECK ((role = ANY (ARRAY['chair'::text, 'deputy'::text, 'secretary'::text, 'member'::text])))
);


--
-- Name: body_members_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.body_members ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.body_members_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: body_size_rules; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.body_size_rules (
    id bigint NOT NULL,
    body_kind text NOT NULL,
    level text,
    race_kind text,
    armed_forces boolean,
    min_members integer NOT NULL,
    max_members integer NOT NULL,
    CONSTRAINT body_size_rules_check CHECK ((max_members >= min_members)),
    CONSTRAINT body_size_rules_min_members_check CHECK ((min_members > 0)),
    CONSTRAINT body_size_rules_race_kind_check CHECK ((race_kind = ANY (ARRAY['na'::text, 'province_council'::text, 'district_council'::text, 'commune_council'::text])))
);


--
-- Name: body_size_rules_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.body_size_rules ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.body_size_rules_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: briefs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.briefs (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by bigint NOT NULL,
    content jsonb NOT NULL
);


--
-- Name: briefs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.briefs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.briefs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: budget_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.budget_lines (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    unit_id bigint,
    agency_id bigint,
    proposed bigint,
    proposed_on date,
    approved bigint,
    approved_on date,
    approval_decision text,
    allocated bigint,
    allocated_on date,
    spent bigint,
    spent_on date,
    version integer DEFAULT 1 NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT budget_lines_allocated_check CHECK ((allocated >= 0)),
    CONSTRAINT budget_lines_approved_check CHECK ((approved >= 0)),
    CONSTRAINT budget_lines_check CHECK (((agency_id IS NULL) <> (unit_id IS NULL))),
    CONSTRAINT budget_lines_check1 CHECK (((approved IS NULL) OR ((approved_on IS NOT NULL) AND (approval_decision IS NOT NULL)))),
    CONSTRAINT budget_lines_proposed_check CHECK ((proposed >= 0)),
    CONSTRAINT budget_lines_spent_check CHECK ((spent >= 0))
);


--
-- Name: budget_lines_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.budget_lines_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: budget_lines_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.budget_lines_id_seq OWNED BY public.budget_lines.id;


--
-- Name: calendar_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.calendar_entries (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    code text NOT NULL,
    offset_days integer NOT NULL,
    kind text NOT NULL,
    levels text[] NOT NULL,
    title_vi text NOT NULL,
    title_en text NOT NULL,
    owner_unit_id bigint,
    retired_at timestamp with time zone,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT calendar_entries_check CHECK (((kind = 'administrative'::text) OR (owner_unit_id IS NULL))),
    CONSTRAINT calendar_entries_code_check CHECK ((code ~ '^[a-z0-9_]+$'::text)),
    CONSTRAINT calendar_entries_kind_check CHECK ((kind = ANY (ARRAY['legal'::text, 'administrative'::text]))),
    CONSTRAINT calendar_entries_levels_check CHECK ((cardinality(levels) > 0)),
    CONSTRAINT calendar_entries_title_en_check CHECK ((title_en <> ''::text)),
    CONSTRAINT calendar_entries_title_vi_check CHECK ((title_vi <> ''::text))
)
WITH (autovacuum_analyze_threshold='5');


--
-- Name: calendar_entries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.calendar_entries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.calendar_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: candidates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.candidates (
    id bigint NOT NULL,
    constituency_id bigint NOT NULL,
    full_name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    birth_date date NOT NULL,
    stage text DEFAULT 'nominated'::text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT candidates_full_name_check CHECK ((full_name <> ''::text)),
    CONSTRAINT candidates_stage_check CHECK ((stage = ANY (ARRAY['nominated'::text, 'preliminary'::text, 'qualified'::text, 'official'::text, 'withdrawn'::text])))
);


--
-- Name: candidates_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.candidates ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.candidates_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: complaint_rules; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.complaint_rules (
    subject text NOT NULL,
    days_to_handle integer,
    stop_before_election_days integer,
    CONSTRAINT complaint_rules_check CHECK (((days_to_handle IS NOT NULL) OR (stop_before_election_days IS NOT NULL))),
    CONSTRAINT complaint_rules_days_to_handle_check CHECK ((days_to_handle > 0)),
    CONSTRAINT complaint_rules_stop_before_election_days_check CHECK ((stop_before_election_days >= 0)),
    CONSTRAINT complaint_rules_subject_check CHECK ((subject = ANY (ARRAY['candidate'::text, 'voter_list'::text, 'body'::text, 'polling_area'::text, 'other'::text])))
);


--
-- Name: complaints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.complaints (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    body_id bigint NOT NULL,
    received_on date NOT NULL,
    channel text NOT NULL,
    category text NOT NULL,
    subject text NOT NULL,
    about text NOT NULL,
    person_name text,
    person_contact text,
    due_on date NOT NULL,
    status text DEFAULT 'received'::text NOT NULL,
    outcome text,
    evidence_number text,
    evidence_date date,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT complaints_about_check CHECK ((about <> ''::text)),
    CONSTRAINT complaints_category_check CHECK ((category = ANY (ARRAY['complaint'::text, 'denunciation'::text, 'petition'::text]))),
    CONSTRAINT complaints_channel_check CHECK ((channel = ANY (ARRAY['in_person'::text, 'letter'::text, 'phone'::text, 'email'::text, 'forwarded'::text]))),
    CONSTRAINT complaints_check CHECK (((status <> ALL (ARRAY['resolved'::text, 'not_handled'::text])) OR (outcome IS NOT NULL))),
    CONSTRAINT complaints_check1 CHECK (((status <> 'resolved'::text) OR ((evidence_number IS NOT NULL) AND (evidence_date IS NOT NULL)))),
    CONSTRAINT complaints_status_check CHECK ((status = ANY (ARRAY['received'::text, 'handling'::text, 'resolved'::text, 'not_handled'::text])))
);


--
-- Name: complaints_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.complaints_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: complaints_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.complaints_id_seq OWNED BY public.complaints.id;


--
-- Name: composition_targets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.composition_targets (
    race_id bigint NOT NULL,
    measure text NOT NULL,
    min_percent integer NOT NULL,
    CONSTRAINT composition_targets_measure_check CHECK ((measure = ANY (ARRAY['women'::text, 'ethnic_minority'::text, 'non_party'::text, 'under_40'::text]))),
    CONSTRAINT composition_targets_min_percent_check CHECK (((min_percent >= 0) AND (min_percent <= 100)))
);


--
-- Name: constituencies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.constituencies (
    id bigint NOT NULL,
    council_id bigint NOT NULL,
    race_id bigint NOT NULL,
    number integer NOT NULL,
    name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    seats integer NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    list_published_on date,
    CONSTRAINT constituencies_name_check CHECK ((name <> ''::text)),
    CONSTRAINT constituencies_number_check CHECK ((number > 0)),
    CONSTRAINT constituencies_seats_check CHECK ((seats > 0))
);


--
-- Name: constituencies_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.constituencies ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.constituencies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: constituency_units; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.constituency_units (
    constituency_id bigint NOT NULL,
    race_id bigint NOT NULL,
    unit_id bigint NOT NULL
);


--
-- Name: consultation_documents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consultation_documents (
    id bigint NOT NULL,
    consultation_id bigint NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL,
    content bytea NOT NULL,
    uploaded_by bigint,
    uploaded_at timestamp with time zone NOT NULL,
    CONSTRAINT consultation_documents_file_name_check CHECK ((file_name <> ''::text)),
    CONSTRAINT consultation_documents_size_bytes_check CHECK ((size_bytes > 0))
);


--
-- Name: consultation_documents_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.consultation_documents_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: consultation_documents_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.consultation_documents_id_seq OWNED BY public.consultation_documents.id;


--
-- Name: consultations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consultations (
    id bigint NOT NULL,
    council_id bigint NOT NULL,
    round smallint NOT NULL,
    held_on date NOT NULL,
    attendance integer NOT NULL,
    minutes_number text NOT NULL,
    note text,
    recorded_by bigint,
    recorded_at timestamp with time zone NOT NULL,
    sent_on date,
    sent_number text,
    CONSTRAINT consultations_attendance_check CHECK ((attendance > 0)),
    CONSTRAINT consultations_check CHECK (((sent_on IS NULL) OR (round = 3))),
    CONSTRAINT consultations_check1 CHECK (((sent_on IS NULL) = (sent_number IS NULL))),
    CONSTRAINT consultations_minutes_number_check CHECK ((minutes_number <> ''::text)),
    CONSTRAINT consultations_round_check CHECK ((round = ANY (ARRAY[1, 2, 3])))
);


--
-- Name: consultations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.consultations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: consultations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.consultations_id_seq OWNED BY public.consultations.id;


--
-- Name: councils; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.councils (
    id bigint NOT NULL,
    race_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    seats_total integer,
    seats_total_reason text,
    version integer DEFAULT 1 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT councils_seats_total_check CHECK ((seats_total > 0))
);


--
-- Name: councils_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.councils ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.councils_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: count_minutes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.count_minutes (
    id bigint NOT NULL,
    polling_area_id bigint NOT NULL,
    constituency_id bigint NOT NULL,
    round smallint DEFAULT 1 NOT NULL,
    voters_on_list integer NOT NULL,
    voters_voted integer NOT NULL,
    ballots_issued integer NOT NULL,
    ballots_received integer NOT NULL,
    ballots_valid integer NOT NULL,
    ballots_invalid integer NOT NULL,
    complaints text,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT count_minutes_ballots_invalid_check CHECK ((ballots_invalid >= 0)),
    CONSTRAINT count_minutes_ballots_issued_check CHECK ((ballots_issued >= 0)),
    CONSTRAINT count_minutes_ballots_received_check CHECK ((ballots_received >= 0)),
    CONSTRAINT count_minutes_ballots_valid_check CHECK ((ballots_valid >= 0)),
    CONSTRAINT count_minutes_check CHECK ((ballots_received <= ballots_issued)),
    CONSTRAINT count_minutes_check1 CHECK (((ballots_valid + ballots_invalid) = ballots_received)),
    CONSTRAINT count_minutes_check2 CHECK ((voters_voted <= voters_on_list)),
    CONSTRAINT count_minutes_round_check CHECK ((round >= 1)),
    CONSTRAINT count_minutes_voters_on_list_check CHECK ((voters_on_list >= 0)),
    CONSTRAINT count_minutes_voters_voted_check CHECK ((voters_voted >= 0))
);


--
-- Name: count_minutes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.count_minutes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.count_minutes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: count_votes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.count_votes (
    minutes_id bigint NOT NULL,
    candidate_id bigint NOT NULL,
    votes integer NOT NULL,
    CONSTRAINT count_votes_votes_check CHECK ((votes >= 0))
);


--
-- Name: digests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.digests (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    period date NOT NULL,
    frequency text NOT NULL,
    state text NOT NULL,
    attempts integer DEFAULT 1 NOT NULL,
    claimed_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    subject text,
    error text,
    CONSTRAINT digests_attempts_check CHECK ((attempts > 0)),
    CONSTRAINT digests_frequency_check CHECK ((frequency = ANY (ARRAY['daily'::text, 'weekly'::text]))),
    CONSTRAINT digests_state_check CHECK ((state = ANY (ARRAY['sending'::text, 'sent'::text, 'empty'::text, 'failed'::text])))
);


--
-- Name: digests_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.digests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: digests_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.digests_id_seq OWNED BY public.digests.id;


--
-- Name: directive_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.directive_events (
    id bigint NOT NULL,
    item_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    user_id bigint,
    from_status text NOT NULL,
    to_status text NOT NULL,
    review text NOT NULL,
    note text
);


--
-- Name: directive_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.directive_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: directive_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.directive_events_id_seq OWNED BY public.directive_events.id;


--
-- Name: directive_items; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.directive_items (
    id bigint NOT NULL,
    directive_id bigint NOT NULL,
    agency_id bigint,
    unit_id bigint,
    status text DEFAULT 'not_started'::text NOT NULL,
    evidence_number text,
    evidence_date date,
    evidence_signer text,
    note text,
    review text DEFAULT 'none'::text NOT NULL,
    review_comment text,
    reviewed_by bigint,
    reviewed_at timestamp with time zone,
    version integer DEFAULT 1 NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT directive_items_check CHECK (((agency_id IS NULL) <> (unit_id IS NULL))),
    CONSTRAINT directive_items_check1 CHECK (((status <> 'done'::text) OR ((evidence_number IS NOT NULL) AND (evidence_date IS NOT NULL)))),
    CONSTRAINT directive_items_review_check CHECK ((review = ANY (ARRAY['none'::text, 'approved'::text, 'returned'::text]))),
    CONSTRAINT directive_items_status_check CHECK ((status = ANY (ARRAY['not_started'::text, 'in_progress'::text, 'done'::text])))
);


--
-- Name: directive_items_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.directive_items_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: directive_items_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.directive_items_id_seq OWNED BY public.directive_items.id;


--
-- Name: directive_supporters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.directive_supporters (
    directive_id bigint NOT NULL,
    agency_id bigint,
    unit_id bigint,
    CONSTRAINT directive_supporters_check CHECK (((agency_id IS NULL) <> (unit_id IS NULL)))
);


--
-- Name: directives; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.directives (
    id bigint NOT NULL,
    meeting_id bigint NOT NULL,
    body text NOT NULL,
    due_date date NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT directives_body_check CHECK ((body <> ''::text))
);


--
-- Name: directives_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.directives_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: directives_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.directives_id_seq OWNED BY public.directives.id;


--
-- Name: elections; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.elections (
    id bigint NOT NULL,
    name text NOT NULL,
    election_day date NOT NULL,
    unit_id bigint NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    moved_from date,
    moved_reason text,
    ballot_reserve_percent integer DEFAULT 5 NOT NULL,
    CONSTRAINT elections_ballot_reserve_percent_check CHECK (((ballot_reserve_percent >= 0) AND (ballot_reserve_percent <= 50))),
    CONSTRAINT elections_moved_reason_check CHECK ((moved_reason <> ''::text)),
    CONSTRAINT elections_name_check CHECK ((name <> ''::text))
)
WITH (autovacuum_analyze_threshold='1');


--
-- Name: elections_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.elections ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.elections_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: form_submissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.form_submissions (
    token text NOT NULL,
    user_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: installation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.installation (
    key text NOT NULL,
    value text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: login_throttle; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_throttle (
    key text NOT NULL,
    failures integer NOT NULL,
    last_failure_at timestamp with time zone NOT NULL,
    next_allowed_at timestamp with time zone NOT NULL,
    CONSTRAINT login_throttle_failures_check CHECK ((failures > 0))
);


--
-- Name: meeting_documents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meeting_documents (
    id bigint NOT NULL,
    meeting_id bigint NOT NULL,
    kind text NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL,
    content bytea NOT NULL,
    uploaded_by bigint,
    uploaded_at timestamp with time zone NOT NULL,
    CONSTRAINT meeting_documents_file_name_check CHECK ((file_name <> ''::text)),
    CONSTRAINT meeting_documents_kind_check CHECK ((kind = ANY (ARRAY['agenda'::text, 'minutes'::text, 'other'::text]))),
    CONSTRAINT meeting_documents_size_bytes_check CHECK ((size_bytes > 0))
);


--
-- Name: meeting_documents_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.meeting_documents_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: meeting_documents_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.meeting_documents_id_seq OWNED BY public.meeting_documents.id;


--
-- Name: meeting_sites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meeting_sites (
    id bigint NOT NULL,
    meeting_id bigint NOT NULL,
    name text NOT NULL,
    attendees text,
    CONSTRAINT meeting_sites_name_check CHECK ((name <> ''::text))
);


--
-- Name: meeting_sites_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.meeting_sites_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: meeting_sites_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.meeting_sites_id_seq OWNED BY public.meeting_sites.id;


--
-- Name: meetings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meetings (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    kind text NOT NULL,
    held_at timestamp with time zone NOT NULL,
    chair text NOT NULL,
    subject text NOT NULL,
    created_by bigint,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT meetings_chair_check CHECK ((chair <> ''::text)),
    CONSTRAINT meetings_kind_check CHECK ((kind = ANY (ARRAY['steering_committee'::text, 'election_committee'::text, 'online_review'::text, 'working_group_visit'::text]))),
    CONSTRAINT meetings_subject_check CHECK ((subject <> ''::text))
);


--
-- Name: meetings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.meetings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: meetings_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.meetings_id_seq OWNED BY public.meetings.id;


--
-- Name: nomination_quotas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.nomination_quotas (
    id bigint NOT NULL,
    council_id bigint NOT NULL,
    nominator text NOT NULL,
    seats integer NOT NULL,
    structure text,
    CONSTRAINT nomination_quotas_nominator_check CHECK ((nominator <> ''::text)),
    CONSTRAINT nomination_quotas_seats_check CHECK ((seats > 0))
);


--
-- Name: nomination_quotas_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.nomination_quotas_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: nomination_quotas_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.nomination_quotas_id_seq OWNED BY public.nomination_quotas.id;


--
-- Name: nominees; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.nominees (
    id bigint NOT NULL,
    council_id bigint NOT NULL,
    quota_id bigint,
    full_name text NOT NULL,
    birth_date date NOT NULL,
    gender text NOT NULL,
    ethnicity text NOT NULL,
    religion text NOT NULL,
    hometown text NOT NULL,
    residence text NOT NULL,
    education text NOT NULL,
    occupation text NOT NULL,
    workplace text NOT NULL,
    party_joined_on date,
    current_deputy boolean DEFAULT false NOT NULL,
    dossier_received_at timestamp with time zone NOT NULL,
    stage text DEFAULT 'nominated'::text NOT NULL,
    left_at text,
    left_reason text,
    left_on date,
    constituency_id bigint,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT nominees_check CHECK ((((left_at IS NULL) = (left_reason IS NULL)) AND ((left_at IS NULL) = (left_on IS NULL)))),
    CONSTRAINT nominees_check1 CHECK (((stage = 'official'::text) OR ((left_at IS DISTINCT FROM 'withdrawn'::text) AND (left_at IS DISTINCT FROM 'removed'::text)))),
    CONSTRAINT nominees_check2 CHECK (((stage <> 'official'::text) OR (constituency_id IS NOT NULL))),
    CONSTRAINT nominees_education_check CHECK ((education <> ''::text)),
    CONSTRAINT nominees_ethnicity_check CHECK ((ethnicity <> ''::text)),
    CONSTRAINT nominees_full_name_check CHECK ((full_name <> ''::text)),
    CONSTRAINT nominees_gender_check CHECK ((gender = ANY (ARRAY['female'::text, 'male'::text]))),
    CONSTRAINT nominees_hometown_check CHECK ((hometown <> ''::text)),
    CONSTRAINT nominees_left_at_check CHECK ((left_at = ANY (ARRAY['consultation_2'::text, 'consultation_3'::text, 'withdrawn'::text, 'removed'::text]))),
    CONSTRAINT nominees_occupation_check CHECK ((occupation <> ''::text)),
    CONSTRAINT nominees_religion_check CHECK ((religion <> ''::text)),
    CONSTRAINT nominees_residence_check CHECK ((residence <> ''::text)),
    CONSTRAINT nominees_stage_check CHECK ((stage = ANY (ARRAY['nominated'::text, 'preliminary'::text, 'qualified'::text, 'official'::text]))),
    CONSTRAINT nominees_workplace_check CHECK ((workplace <> ''::text))
);


--
-- Name: nominees_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.nominees_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: nominees_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.nominees_id_seq OWNED BY public.nominees.id;


--
-- Name: polling_areas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.polling_areas (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    commune_id bigint NOT NULL,
    unit_level text DEFAULT 'commune'::text NOT NULL,
    number integer NOT NULL,
    name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    address text,
    voters integer NOT NULL,
    kind text DEFAULT 'ordinary'::text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT polling_areas_kind_check CHECK ((kind = ANY (ARRAY['ordinary'::text, 'hospital_care_home'::text, 'armed_forces'::text, 'detention'::text, 'remote'::text]))),
    CONSTRAINT polling_areas_name_check CHECK ((name <> ''::text)),
    CONSTRAINT polling_areas_number_check CHECK ((number > 0)),
    CONSTRAINT polling_areas_unit_level_check CHECK ((unit_level = 'commune'::text)),
    CONSTRAINT polling_areas_voters_check CHECK ((voters >= 0))
);


--
-- Name: polling_areas_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.polling_areas ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.polling_areas_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: polling_ballots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.polling_ballots (
    polling_area_id bigint NOT NULL,
    race_id bigint NOT NULL,
    received integer NOT NULL,
    received_on date NOT NULL,
    CONSTRAINT polling_ballots_received_check CHECK ((received >= 0))
);


--
-- Name: polling_logistics; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.polling_logistics (
    polling_area_id bigint NOT NULL,
    place text,
    place_type text,
    accessible boolean DEFAULT false NOT NULL,
    voter_list_posted_on date,
    candidate_lists_posted_on date,
    ballot_boxes_main integer DEFAULT 0 NOT NULL,
    ballot_boxes_aux integer DEFAULT 0 NOT NULL,
    boxes_ready_on date,
    seals_ready_on date,
    decoration_ready_on date,
    loudspeaker_ready_on date,
    rehearsal_on date,
    version integer DEFAULT 1 NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT polling_logistics_ballot_boxes_aux_check CHECK ((ballot_boxes_aux >= 0)),
    CONSTRAINT polling_logistics_ballot_boxes_main_check CHECK ((ballot_boxes_main >= 0)),
    CONSTRAINT polling_logistics_place_type_check CHECK ((place_type = ANY (ARRAY['school'::text, 'cultural_house'::text, 'office'::text, 'other'::text])))
);


--
-- Name: races; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.races (
    id bigint NOT NULL,
    election_id bigint NOT NULL,
    kind text NOT NULL,
    council_level text,
    max_seats_per_constituency smallint NOT NULL,
    CONSTRAINT races_check CHECK (((kind = 'na'::text) = (council_level IS NULL))),
    CONSTRAINT races_kind_check CHECK ((kind = ANY (ARRAY['na'::text, 'province_council'::text, 'district_council'::text, 'commune_council'::text]))),
    CONSTRAINT races_max_seats_per_constituency_check CHECK ((max_seats_per_constituency > 0))
)
WITH (autovacuum_analyze_threshold='1');


--
-- Name: races_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.races ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.races_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: review_delegations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.review_delegations (
    election_id bigint NOT NULL,
    district_id bigint NOT NULL,
    granted_by bigint,
    granted_at timestamp with time zone NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id bigint NOT NULL,
    token_hash bytea NOT NULL,
    user_id bigint NOT NULL,
    csrf_token text NOT NULL,
    client_addr inet,
    user_agent text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone
);


--
-- Name: sessions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sessions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sessions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: structure_generation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.structure_generation (
    only_row boolean DEFAULT true NOT NULL,
    generation bigint NOT NULL,
    CONSTRAINT structure_generation_only_row_check CHECK (only_row)
);


--
-- Name: task_attachments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_attachments (
    id bigint NOT NULL,
    task_id bigint NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL,
    content bytea NOT NULL,
    uploaded_by bigint,
    uploaded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT task_attachments_content_type_check CHECK ((content_type = ANY (ARRAY['application/pdf'::text, 'image/jpeg'::text, 'image/png'::text]))),
    CONSTRAINT task_attachments_file_name_check CHECK ((file_name <> ''::text)),
    CONSTRAINT task_attachments_size_bytes_check CHECK (((size_bytes > 0) AND (size_bytes <= 10485760)))
);


--
-- Name: task_attachments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.task_attachments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.task_attachments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: task_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_events (
    id bigint NOT NULL,
    task_id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    user_id bigint,
    from_status text,
    to_status text NOT NULL,
    note text,
    before_go_live boolean DEFAULT false NOT NULL
);


--
-- Name: task_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.task_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.task_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: task_rollup; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_rollup (
    unit_id bigint NOT NULL,
    calendar_entry_id bigint NOT NULL,
    task_level text NOT NULL,
    status text NOT NULL,
    done_on date,
    tasks integer NOT NULL,
    slot smallint DEFAULT 0 NOT NULL
);


--
-- Name: tasks_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tasks ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tasks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: unit_activity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.unit_activity (
    unit_id bigint NOT NULL,
    last_at timestamp with time zone NOT NULL
);


--
-- Name: unit_levels; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.unit_levels (
    code text NOT NULL,
    depth smallint NOT NULL,
    name_vi text NOT NULL,
    name_en text NOT NULL,
    CONSTRAINT unit_levels_depth_check CHECK ((depth >= 0))
);


--
-- Name: units; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.units (
    id bigint NOT NULL,
    level text NOT NULL,
    division_type text NOT NULL,
    gso_code integer NOT NULL,
    name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    parent_id bigint,
    population integer,
    voters integer,
    terrain text DEFAULT 'ordinary'::text NOT NULL,
    valid_from date NOT NULL,
    valid_to date,
    ancestors bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    figures_as_of date,
    figures_source text,
    CONSTRAINT units_check CHECK ((valid_to > valid_from)),
    CONSTRAINT units_check1 CHECK ((parent_id <> id)),
    CONSTRAINT units_division_type_check CHECK ((division_type <> ''::text)),
    CONSTRAINT units_figures_source_check CHECK ((figures_source <> ''::text)),
    CONSTRAINT units_gso_code_check CHECK ((gso_code > 0)),
    CONSTRAINT units_name_check CHECK ((name <> ''::text)),
    CONSTRAINT units_population_check CHECK ((population >= 0)),
    CONSTRAINT units_terrain_check CHECK ((terrain = ANY (ARRAY['ordinary'::text, 'mountainous'::text, 'island'::text]))),
    CONSTRAINT units_voters_check CHECK ((voters >= 0))
);


--
-- Name: units_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.units ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.units_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    username text NOT NULL,
    full_name text NOT NULL COLLATE pg_catalog."vi-VN-x-icu",
    role text NOT NULL,
    unit_id bigint,
    phone text,
    email text,
    password_hash text NOT NULL,
    must_change_password boolean DEFAULT false NOT NULL,
    language text DEFAULT 'vi'::text NOT NULL,
    disabled_at timestamp with time zone,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    election_id bigint,
    digest text DEFAULT 'daily'::text NOT NULL,
    agency_id bigint,
    CONSTRAINT users_agency_check CHECK (((role = 'agency_officer'::text) = (agency_id IS NOT NULL))),
    CONSTRAINT users_check CHECK (((role = 'admin'::text) = (unit_id IS NULL))),
    CONSTRAINT users_digest_check CHECK ((digest = ANY (ARRAY['daily'::text, 'weekly'::text, 'none'::text]))),
    CONSTRAINT users_full_name_check CHECK ((full_name <> ''::text)),
    CONSTRAINT users_language_check CHECK ((language = ANY (ARRAY['vi'::text, 'en'::text]))),
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'province_officer'::text, 'steering_member'::text, 'district_officer'::text, 'commune_officer'::text, 'agency_officer'::text]))),
    CONSTRAINT users_username_check CHECK ((username ~ '^[a-z0-9._-]{3,64}$'::text))
);


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: visit_checks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.visit_checks (
    meeting_id bigint NOT NULL,
    calendar_entry_id bigint NOT NULL,
    result text NOT NULL,
    note text,
    CONSTRAINT visit_checks_result_check CHECK ((result = ANY (ARRAY['as_reported'::text, 'not_as_reported'::text, 'not_checked'::text])))
);


--
-- Name: visits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.visits (
    meeting_id bigint NOT NULL,
    locality_id bigint NOT NULL,
    members text NOT NULL,
    findings text,
    difficulties text,
    version integer DEFAULT 1 NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT visits_members_check CHECK ((members <> ''::text))
);


--
-- Name: voter_issues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.voter_issues (
    id bigint NOT NULL,
    nominee_id bigint NOT NULL,
    raised_on date NOT NULL,
    raised text NOT NULL,
    verified_on date,
    finding text,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT voter_issues_check CHECK (((verified_on IS NULL) = (finding IS NULL))),
    CONSTRAINT voter_issues_raised_check CHECK ((raised <> ''::text))
);


--
-- Name: voter_issues_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.voter_issues_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: voter_issues_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.voter_issues_id_seq OWNED BY public.voter_issues.id;


--
-- Name: voter_meetings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.voter_meetings (
    id bigint NOT NULL,
    nominee_id bigint NOT NULL,
    place_kind text NOT NULL,
    held_on date NOT NULL,
    place text NOT NULL,
    invited integer NOT NULL,
    attending integer NOT NULL,
    confident integer NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    CONSTRAINT voter_meetings_check CHECK (((attending > 0) AND (attending <= invited))),
    CONSTRAINT voter_meetings_check1 CHECK (((confident >= 0) AND (confident <= attending))),
    CONSTRAINT voter_meetings_invited_check CHECK ((invited > 0)),
    CONSTRAINT voter_meetings_place_check CHECK ((place <> ''::text)),
    CONSTRAINT voter_meetings_place_kind_check CHECK ((place_kind = ANY (ARRAY['residence'::text, 'workplace'::text])))
);


--
-- Name: voter_meetings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.voter_meetings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: voter_meetings_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.voter_meetings_id_seq OWNED BY public.voter_meetings.id;


--
-- Name: agencies id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agencies ALTER COLUMN id SET DEFAULT nextval('public.agencies_id_seq'::regclass);


--
-- Name: budget_lines id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_lines ALTER COLUMN id SET DEFAULT nextval('public.budget_lines_id_seq'::regclass);


--
-- Name: complaints id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints ALTER COLUMN id SET DEFAULT nextval('public.complaints_id_seq'::regclass);


--
-- Name: consultation_documents id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultation_documents ALTER COLUMN id SET DEFAULT nextval('public.consultation_documents_id_seq'::regclass);


--
-- Name: consultations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultations ALTER COLUMN id SET DEFAULT nextval('public.consultations_id_seq'::regclass);


--
-- Name: digests id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.digests ALTER COLUMN id SET DEFAULT nextval('public.digests_id_seq'::regclass);


--
-- Name: directive_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_events ALTER COLUMN id SET DEFAULT nextval('public.directive_events_id_seq'::regclass);


--
-- Name: directive_items id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items ALTER COLUMN id SET DEFAULT nextval('public.directive_items_id_seq'::regclass);


--
-- Name: directives id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directives ALTER COLUMN id SET DEFAULT nextval('public.directives_id_seq'::regclass);


--
-- Name: meeting_documents id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_documents ALTER COLUMN id SET DEFAULT nextval('public.meeting_documents_id_seq'::regclass);


--
-- Name: meeting_sites id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_sites ALTER COLUMN id SET DEFAULT nextval('public.meeting_sites_id_seq'::regclass);


--
-- Name: meetings id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meetings ALTER COLUMN id SET DEFAULT nextval('public.meetings_id_seq'::regclass);


--
-- Name: nomination_quotas id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nomination_quotas ALTER COLUMN id SET DEFAULT nextval('public.nomination_quotas_id_seq'::regclass);


--
-- Name: nominees id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nominees ALTER COLUMN id SET DEFAULT nextval('public.nominees_id_seq'::regclass);


--
-- Name: voter_issues id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.voter_issues ALTER COLUMN id SET DEFAULT nextval('public.voter_issues_id_seq'::regclass);


--
-- Name: voter_meetings id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.voter_meetings ALTER COLUMN id SET DEFAULT nextval('public.voter_meetings_id_seq'::regclass);


--
-- Name: agencies agencies_election_id_unit_id_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agencies
    ADD CONSTRAINT agencies_election_id_unit_id_name_key UNIQUE (election_id, unit_id, name);


--
-- Name: agencies agencies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agencies
    ADD CONSTRAINT agencies_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: audit_seal_mark audit_seal_mark_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_seal_mark
    ADD CONSTRAINT audit_seal_mark_pkey PRIMARY KEY (only_row);


--
-- Name: audit_seal audit_seal_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_seal
    ADD CONSTRAINT audit_seal_pkey PRIMARY KEY (audit_id);


--
-- Name: bodies bodies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_pkey PRIMARY KEY (id);


--
-- Name: bodies bodies_polling_area_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_polling_area_id_key UNIQUE (polling_area_id);


--
-- Name: body_kinds body_kinds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_kinds
    ADD CONSTRAINT body_kinds_pkey PRIMARY KEY (code);


--
-- Name: body_members body_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_members
    ADD CONSTRAINT body_members_pkey PRIMARY KEY (id);


--
-- Name: body_size_rules body_size_rules_body_kind_level_race_kind_armed_forces_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_size_rules
    ADD CONSTRAINT body_size_rules_body_kind_level_race_kind_armed_forces_key UNIQUE NULLS NOT DISTINCT (body_kind, level, race_kind, armed_forces);


--
-- Name: body_size_rules body_size_rules_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_size_rules
    ADD CONSTRAINT body_size_rules_pkey PRIMARY KEY (id);


--
-- Name: briefs briefs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.briefs
    ADD CONSTRAINT briefs_pkey PRIMARY KEY (id);


--
-- Name: budget_lines budget_lines_election_id_unit_id_agency_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_lines
    ADD CONSTRAINT budget_lines_election_id_unit_id_agency_id_key UNIQUE NULLS NOT DISTINCT (election_id, unit_id, agency_id);


--
-- Name: budget_lines budget_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_lines
    ADD CONSTRAINT budget_lines_pkey PRIMARY KEY (id);


--
-- Name: calendar_entries calendar_entries_election_id_code_owner_unit_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_entries
    ADD CONSTRAINT calendar_entries_election_id_code_owner_unit_id_key UNIQUE NULLS NOT DISTINCT (election_id, code, owner_unit_id);


--
-- Name: calendar_entries calendar_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_entries
    ADD CONSTRAINT calendar_entries_pkey PRIMARY KEY (id);


--
-- Name: candidates candidates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.candidates
    ADD CONSTRAINT candidates_pkey PRIMARY KEY (id);


--
-- Name: complaint_rules complaint_rules_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_rules
    ADD CONSTRAINT complaint_rules_pkey PRIMARY KEY (subject);


--
-- Name: complaints complaints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_pkey PRIMARY KEY (id);


--
-- Name: composition_targets composition_targets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.composition_targets
    ADD CONSTRAINT composition_targets_pkey PRIMARY KEY (race_id, measure);


--
-- Name: constituencies constituencies_council_id_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituencies
    ADD CONSTRAINT constituencies_council_id_number_key UNIQUE (council_id, number);


--
-- Name: constituencies constituencies_id_race_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituencies
    ADD CONSTRAINT constituencies_id_race_id_key UNIQUE (id, race_id);


--
-- Name: constituencies constituencies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituencies
    ADD CONSTRAINT constituencies_pkey PRIMARY KEY (id);


--
-- Name: constituency_units constituency_units_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituency_units
    ADD CONSTRAINT constituency_units_pkey PRIMARY KEY (constituency_id, unit_id);


--
-- Name: constituency_units constituency_units_race_id_unit_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituency_units
    ADD CONSTRAINT constituency_units_race_id_unit_id_key UNIQUE (race_id, unit_id);


--
-- Name: consultation_documents consultation_documents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultation_documents
    ADD CONSTRAINT consultation_documents_pkey PRIMARY KEY (id);


--
-- Name: consultations consultations_council_id_round_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_council_id_round_key UNIQUE (council_id, round);


--
-- Name: consultations consultations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_pkey PRIMARY KEY (id);


--
-- Name: councils councils_id_race_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.councils
    ADD CONSTRAINT councils_id_race_id_key UNIQUE (id, race_id);


--
-- Name: councils councils_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.councils
    ADD CONSTRAINT councils_pkey PRIMARY KEY (id);


--
-- Name: councils councils_race_id_unit_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.councils
    ADD CONSTRAINT councils_race_id_unit_id_key UNIQUE (race_id, unit_id);


--
-- Name: count_minutes count_minutes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_minutes
    ADD CONSTRAINT count_minutes_pkey PRIMARY KEY (id);


--
-- Name: count_minutes count_minutes_polling_area_id_constituency_id_round_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_minutes
    ADD CONSTRAINT count_minutes_polling_area_id_constituency_id_round_key UNIQUE (polling_area_id, constituency_id, round);


--
-- Name: count_votes count_votes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_votes
    ADD CONSTRAINT count_votes_pkey PRIMARY KEY (minutes_id, candidate_id);


--
-- Name: digests digests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.digests
    ADD CONSTRAINT digests_pkey PRIMARY KEY (id);


--
-- Name: digests digests_user_id_period_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.digests
    ADD CONSTRAINT digests_user_id_period_key UNIQUE (user_id, period);


--
-- Name: directive_events directive_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_events
    ADD CONSTRAINT directive_events_pkey PRIMARY KEY (id);


--
-- Name: directive_items directive_items_directive_id_agency_id_unit_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items
    ADD CONSTRAINT directive_items_directive_id_agency_id_unit_id_key UNIQUE NULLS NOT DISTINCT (directive_id, agency_id, unit_id);


--
-- Name: directive_items directive_items_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items
    ADD CONSTRAINT directive_items_pkey PRIMARY KEY (id);


--
-- Name: directives directives_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directives
    ADD CONSTRAINT directives_pkey PRIMARY KEY (id);


--
-- Name: elections elections_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.elections
    ADD CONSTRAINT elections_pkey PRIMARY KEY (id);


--
-- Name: elections elections_unit_id_election_day_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.elections
    ADD CONSTRAINT elections_unit_id_election_day_key UNIQUE (unit_id, election_day);


--
-- Name: form_submissions form_submissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.form_submissions
    ADD CONSTRAINT form_submissions_pkey PRIMARY KEY (token);


--
-- Name: installation installation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.installation
    ADD CONSTRAINT installation_pkey PRIMARY KEY (key);


--
-- Name: login_throttle login_throttle_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_throttle
    ADD CONSTRAINT login_throttle_pkey PRIMARY KEY (key);


--
-- Name: meeting_documents meeting_documents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_documents
    ADD CONSTRAINT meeting_documents_pkey PRIMARY KEY (id);


--
-- Name: meeting_sites meeting_sites_meeting_id_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_sites
    ADD CONSTRAINT meeting_sites_meeting_id_name_key UNIQUE (meeting_id, name);


--
-- Name: meeting_sites meeting_sites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_sites
    ADD CONSTRAINT meeting_sites_pkey PRIMARY KEY (id);


--
-- Name: meetings meetings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meetings
    ADD CONSTRAINT meetings_pkey PRIMARY KEY (id);


--
-- Name: nomination_quotas nomination_quotas_council_id_nominator_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nomination_quotas
    ADD CONSTRAINT nomination_quotas_council_id_nominator_key UNIQUE (council_id, nominator);


--
-- Name: nomination_quotas nomination_quotas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nomination_quotas
    ADD CONSTRAINT nomination_quotas_pkey PRIMARY KEY (id);


--
-- Name: nominees nominees_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nominees
    ADD CONSTRAINT nominees_pkey PRIMARY KEY (id);


--
-- Name: polling_areas polling_areas_election_id_commune_id_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_areas
    ADD CONSTRAINT polling_areas_election_id_commune_id_number_key UNIQUE (election_id, commune_id, number);


--
-- Name: polling_areas polling_areas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_areas
    ADD CONSTRAINT polling_areas_pkey PRIMARY KEY (id);


--
-- Name: polling_ballots polling_ballots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_ballots
    ADD CONSTRAINT polling_ballots_pkey PRIMARY KEY (polling_area_id, race_id);


--
-- Name: polling_logistics polling_logistics_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_logistics
    ADD CONSTRAINT polling_logistics_pkey PRIMARY KEY (polling_area_id);


--
-- Name: races races_election_id_kind_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.races
    ADD CONSTRAINT races_election_id_kind_key UNIQUE (election_id, kind);


--
-- Name: races races_id_election_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.races
    ADD CONSTRAINT races_id_election_id_key UNIQUE (id, election_id);


--
-- Name: races races_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.races
    ADD CONSTRAINT races_pkey PRIMARY KEY (id);


--
-- Name: review_delegations review_delegations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.review_delegations
    ADD CONSTRAINT review_delegations_pkey PRIMARY KEY (election_id, district_id);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: sessions sessions_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_token_hash_key UNIQUE (token_hash);


--
-- Name: structure_generation structure_generation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.structure_generation
    ADD CONSTRAINT structure_generation_pkey PRIMARY KEY (only_row);


--
-- Name: task_attachments task_attachments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_attachments
    ADD CONSTRAINT task_attachments_pkey PRIMARY KEY (id);


--
-- Name: task_events task_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_events
    ADD CONSTRAINT task_events_pkey PRIMARY KEY (id);


--
-- Name: task_rollup task_rollup_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_rollup
    ADD CONSTRAINT task_rollup_key UNIQUE NULLS NOT DISTINCT (unit_id, calendar_entry_id, task_level, status, done_on, slot);


--
-- Name: tasks tasks_calendar_entry_id_unit_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_calendar_entry_id_unit_id_key UNIQUE (calendar_entry_id, unit_id);


--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);


--
-- Name: unit_activity unit_activity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unit_activity
    ADD CONSTRAINT unit_activity_pkey PRIMARY KEY (unit_id);


--
-- Name: unit_levels unit_levels_depth_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unit_levels
    ADD CONSTRAINT unit_levels_depth_key UNIQUE (depth);


--
-- Name: unit_levels unit_levels_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unit_levels
    ADD CONSTRAINT unit_levels_pkey PRIMARY KEY (code);


--
-- Name: units units_id_level_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_id_level_key UNIQUE (id, level);


--
-- Name: units units_level_gso_code_valid_from_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_level_gso_code_valid_from_key UNIQUE (level, gso_code, valid_from);


--
-- Name: units units_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: visit_checks visit_checks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visit_checks
    ADD CONSTRAINT visit_checks_pkey PRIMARY KEY (meeting_id, calendar_entry_id);


--
-- Name: visits visits_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visits
    ADD CONSTRAINT visits_pkey PRIMARY KEY (meeting_id);


--
-- Name: voter_issues voter_issues_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.voter_issues
    ADD CONSTRAINT voter_issues_pkey PRIMARY KEY (id);


--
-- Name: voter_meetings voter_meetings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.voter_meetings
    ADD CONSTRAINT voter_meetings_pkey PRIMARY KEY (id);


--
-- Name: audit_log_action; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_action ON public.audit_log USING btree (action, id);


--
-- Name: audit_log_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_at ON public.audit_log USING btree (at);


--
-- Name: audit_log_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_unit ON public.audit_log USING btree (unit_id, id);


--
-- Name: audit_log_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_user ON public.audit_log USING btree (user_id, id);


--
-- Name: bodies_one_per_constituency; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX bodies_one_per_constituency ON public.bodies USING btree (constituency_id) WHERE (dissolved_at IS NULL);


--
-- Name: bodies_one_per_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX bodies_one_per_unit ON public.bodies USING btree (election_id, kind, unit_id) WHERE ((kind = ANY (ARRAY['steering_committee'::text, 'election_committee'::text])) AND (dissolved_at IS NULL));


--
-- Name: bodies_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bodies_search ON public.bodies USING gin (public.search_key(name) public.gin_trgm_ops);


--
-- Name: bodies_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bodies_unit ON public.bodies USING btree (unit_id, kind);


--
-- Name: body_members_body; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX body_members_body ON public.body_members USING btree (body_id);


--
-- Name: body_members_one_chair; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX body_members_one_chair ON public.body_members USING btree (body_id) WHERE (role = 'chair'::text);


--
-- Name: body_members_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX body_members_search ON public.body_members USING gin (public.search_key(full_name) public.gin_trgm_ops);


--
-- Name: briefs_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX briefs_unit ON public.briefs USING btree (unit_id, created_at);


--
-- Name: candidates_constituency; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX candidates_constituency ON public.candidates USING btree (constituency_id);


--
-- Name: complaints_body; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX complaints_body ON public.complaints USING btree (body_id);


--
-- Name: constituency_units_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX constituency_units_unit ON public.constituency_units USING btree (unit_id);


--
-- Name: consultation_documents_consultation; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consultation_documents_consultation ON public.consultation_documents USING btree (consultation_id);


--
-- Name: councils_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX councils_unit ON public.councils USING btree (unit_id);


--
-- Name: directive_items_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX directive_items_open ON public.directive_items USING btree (directive_id) WHERE (status <> 'done'::text);


--
-- Name: meeting_documents_meeting; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX meeting_documents_meeting ON public.meeting_documents USING btree (meeting_id);


--
-- Name: nominees_constituency; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX nominees_constituency ON public.nominees USING btree (constituency_id) WHERE (constituency_id IS NOT NULL);


--
-- Name: nominees_council; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX nominees_council ON public.nominees USING btree (council_id);


--
-- Name: polling_areas_commune; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX polling_areas_commune ON public.polling_areas USING btree (commune_id);


--
-- Name: sessions_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_user ON public.sessions USING btree (user_id) WHERE (ended_at IS NULL);


--
-- Name: task_attachments_task; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX task_attachments_task ON public.task_attachments USING btree (task_id);


--
-- Name: task_events_task; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX task_events_task ON public.task_events USING btree (task_id, at);


--
-- Name: tasks_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_unit ON public.tasks USING btree (unit_id, calendar_entry_id) INCLUDE (status, evidence_date);


--
-- Name: units_ancestors; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX units_ancestors ON public.units USING gin (ancestors);


--
-- Name: units_current_code; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX units_current_code ON public.units USING btree (level, gso_code) WHERE (valid_to IS NULL);


--
-- Name: units_parent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX units_parent ON public.units USING btree (parent_id, name);


--
-- Name: units_search; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX units_search ON public.units USING gin (public.search_key(name) public.gin_trgm_ops);


--
-- Name: users_unit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_unit ON public.users USING btree (unit_id);


--
-- Name: visits_locality; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX visits_locality ON public.visits USING btree (locality_id);


--
-- Name: voter_issues_nominee; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX voter_issues_nominee ON public.voter_issues USING btree (nominee_id);


--
-- Name: voter_meetings_nominee; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX voter_meetings_nominee ON public.voter_meetings USING btree (nominee_id);


--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_refuse_change();


--
-- Name: audit_log audit_log_number; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_number BEFORE INSERT ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_number();


--
-- Name: audit_seal audit_seal_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_seal_append_only BEFORE DELETE OR UPDATE OR TRUNCATE ON public.audit_seal FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_refuse_change();


--
-- Name: bodies bodies_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bodies_version BEFORE UPDATE ON public.bodies FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: body_members body_members_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER body_members_version BEFORE UPDATE ON public.body_members FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: calendar_entries calendar_entries_legal_fixed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER calendar_entries_legal_fixed BEFORE UPDATE ON public.calendar_entries FOR EACH ROW EXECUTE FUNCTION public.calendar_entries_keep_legal();


--
-- Name: calendar_entries calendar_entries_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER calendar_entries_version BEFORE UPDATE ON public.calendar_entries FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: candidates candidates_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER candidates_version BEFORE UPDATE ON public.candidates FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: constituencies constituencies_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER constituencies_version BEFORE UPDATE ON public.constituencies FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: councils councils_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER councils_version BEFORE UPDATE ON public.councils FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: count_minutes count_minutes_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER count_minutes_version BEFORE UPDATE ON public.count_minutes FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: count_votes count_votes_within_valid; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER count_votes_within_valid BEFORE INSERT OR UPDATE ON public.count_votes FOR EACH ROW EXECUTE FUNCTION public.count_votes_check();


--
-- Name: elections elections_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER elections_version BEFORE UPDATE ON public.elections FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: polling_areas polling_areas_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER polling_areas_version BEFORE UPDATE ON public.polling_areas FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: tasks task_rollup_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_rollup_deleted AFTER DELETE ON public.tasks REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.task_rollup_deleted();


--
-- Name: tasks task_rollup_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_rollup_inserted AFTER INSERT ON public.tasks REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.task_rollup_inserted();


--
-- Name: tasks task_rollup_moved; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_rollup_moved AFTER UPDATE ON public.tasks FOR EACH ROW WHEN (((old.calendar_entry_id IS DISTINCT FROM new.calendar_entry_id) OR (old.unit_id IS DISTINCT FROM new.unit_id) OR (old.status IS DISTINCT FROM new.status) OR (old.evidence_date IS DISTINCT FROM new.evidence_date) OR (old.before_go_live IS DISTINCT FROM new.before_go_live))) EXECUTE FUNCTION public.task_rollup_moved();


--
-- Name: units task_rollup_units_moved; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_rollup_units_moved AFTER UPDATE OF parent_id, ancestors, level ON public.units FOR EACH STATEMENT EXECUTE FUNCTION public.task_rollup_units_moved();


--
-- Name: tasks tasks_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_version BEFORE UPDATE ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: units units_ancestors; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER units_ancestors BEFORE INSERT OR UPDATE OF parent_id ON public.units FOR EACH ROW EXECUTE FUNCTION public.units_set_ancestors();


--
-- Name: units units_move_descendants; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER units_move_descendants AFTER UPDATE OF parent_id ON public.units FOR EACH ROW WHEN ((old.parent_id IS DISTINCT FROM new.parent_id)) EXECUTE FUNCTION public.units_move_descendants();


--
-- Name: units units_parent_level; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER units_parent_level BEFORE INSERT OR UPDATE OF parent_id, level ON public.units FOR EACH ROW EXECUTE FUNCTION public.units_check_parent();


--
-- Name: units units_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER units_version BEFORE UPDATE ON public.units FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: users users_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_version BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.bump_version();


--
-- Name: agencies agencies_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agencies
    ADD CONSTRAINT agencies_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: agencies agencies_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agencies
    ADD CONSTRAINT agencies_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: audit_log audit_log_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id);


--
-- Name: audit_log audit_log_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: audit_log audit_log_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: bodies bodies_constituency_id_race_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_constituency_id_race_id_fkey FOREIGN KEY (constituency_id, race_id) REFERENCES public.constituencies(id, race_id) ON DELETE CASCADE;


--
-- Name: bodies bodies_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id) ON DELETE CASCADE;


--
-- Name: bodies bodies_kind_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_kind_fkey FOREIGN KEY (kind) REFERENCES public.body_kinds(code);


--
-- Name: bodies bodies_polling_area_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_polling_area_id_fkey FOREIGN KEY (polling_area_id) REFERENCES public.polling_areas(id) ON DELETE CASCADE;


--
-- Name: bodies bodies_race_id_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_race_id_election_id_fkey FOREIGN KEY (race_id, election_id) REFERENCES public.races(id, election_id);


--
-- Name: bodies bodies_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bodies
    ADD CONSTRAINT bodies_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: body_members body_members_body_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_members
    ADD CONSTRAINT body_members_body_id_fkey FOREIGN KEY (body_id) REFERENCES public.bodies(id) ON DELETE CASCADE;


--
-- Name: body_size_rules body_size_rules_body_kind_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_size_rules
    ADD CONSTRAINT body_size_rules_body_kind_fkey FOREIGN KEY (body_kind) REFERENCES public.body_kinds(code);


--
-- Name: body_size_rules body_size_rules_level_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.body_size_rules
    ADD CONSTRAINT body_size_rules_level_fkey FOREIGN KEY (level) REFERENCES public.unit_levels(code);


--
-- Name: briefs briefs_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.briefs
    ADD CONSTRAINT briefs_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id);


--
-- Name: briefs briefs_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.briefs
    ADD CONSTRAINT briefs_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id) ON DELETE CASCADE;


--
-- Name: briefs briefs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.briefs
    ADD CONSTRAINT briefs_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: budget_lines budget_lines_agency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_lines
    ADD CONSTRAINT budget_lines_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies(id);


--
-- Name: budget_lines budget_lines_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_lines
    ADD CONSTRAINT budget_lines_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: budget_lines budget_lines_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.budget_lines
    ADD CONSTRAINT budget_lines_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: calendar_entries calendar_entries_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_entries
    ADD CONSTRAINT calendar_entries_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id) ON DELETE CASCADE;


--
-- Name: calendar_entries calendar_entries_owner_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_entries
    ADD CONSTRAINT calendar_entries_owner_unit_id_fkey FOREIGN KEY (owner_unit_id) REFERENCES public.units(id);


--
-- Name: candidates candidates_constituency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.candidates
    ADD CONSTRAINT candidates_constituency_id_fkey FOREIGN KEY (constituency_id) REFERENCES public.constituencies(id) ON DELETE CASCADE;


--
-- Name: complaints complaints_body_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_body_id_fkey FOREIGN KEY (body_id) REFERENCES public.bodies(id);


--
-- Name: complaints complaints_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: complaints complaints_subject_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_subject_fkey FOREIGN KEY (subject) REFERENCES public.complaint_rules(subject);


--
-- Name: composition_targets composition_targets_race_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.composition_targets
    ADD CONSTRAINT composition_targets_race_id_fkey FOREIGN KEY (race_id) REFERENCES public.races(id) ON DELETE CASCADE;


--
-- Name: constituencies constituencies_council_id_race_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituencies
    ADD CONSTRAINT constituencies_council_id_race_id_fkey FOREIGN KEY (council_id, race_id) REFERENCES public.councils(id, race_id) ON DELETE CASCADE;


--
-- Name: constituency_units constituency_units_constituency_id_race_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituency_units
    ADD CONSTRAINT constituency_units_constituency_id_race_id_fkey FOREIGN KEY (constituency_id, race_id) REFERENCES public.constituencies(id, race_id) ON DELETE CASCADE;


--
-- Name: constituency_units constituency_units_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.constituency_units
    ADD CONSTRAINT constituency_units_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: consultation_documents consultation_documents_consultation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultation_documents
    ADD CONSTRAINT consultation_documents_consultation_id_fkey FOREIGN KEY (consultation_id) REFERENCES public.consultations(id);


--
-- Name: consultation_documents consultation_documents_uploaded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultation_documents
    ADD CONSTRAINT consultation_documents_uploaded_by_fkey FOREIGN KEY (uploaded_by) REFERENCES public.users(id);


--
-- Name: consultations consultations_council_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.councils(id);


--
-- Name: consultations consultations_recorded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultations
    ADD CONSTRAINT consultations_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES public.users(id);


--
-- Name: councils councils_race_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.councils
    ADD CONSTRAINT councils_race_id_fkey FOREIGN KEY (race_id) REFERENCES public.races(id) ON DELETE CASCADE;


--
-- Name: councils councils_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.councils
    ADD CONSTRAINT councils_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: count_minutes count_minutes_constituency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_minutes
    ADD CONSTRAINT count_minutes_constituency_id_fkey FOREIGN KEY (constituency_id) REFERENCES public.constituencies(id) ON DELETE CASCADE;


--
-- Name: count_minutes count_minutes_polling_area_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_minutes
    ADD CONSTRAINT count_minutes_polling_area_id_fkey FOREIGN KEY (polling_area_id) REFERENCES public.polling_areas(id) ON DELETE CASCADE;


--
-- Name: count_votes count_votes_candidate_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_votes
    ADD CONSTRAINT count_votes_candidate_id_fkey FOREIGN KEY (candidate_id) REFERENCES public.candidates(id);


--
-- Name: count_votes count_votes_minutes_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.count_votes
    ADD CONSTRAINT count_votes_minutes_id_fkey FOREIGN KEY (minutes_id) REFERENCES public.count_minutes(id) ON DELETE CASCADE;


--
-- Name: digests digests_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.digests
    ADD CONSTRAINT digests_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: directive_events directive_events_item_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_events
    ADD CONSTRAINT directive_events_item_id_fkey FOREIGN KEY (item_id) REFERENCES public.directive_items(id);


--
-- Name: directive_events directive_events_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_events
    ADD CONSTRAINT directive_events_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: directive_items directive_items_agency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items
    ADD CONSTRAINT directive_items_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies(id);


--
-- Name: directive_items directive_items_directive_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items
    ADD CONSTRAINT directive_items_directive_id_fkey FOREIGN KEY (directive_id) REFERENCES public.directives(id);


--
-- Name: directive_items directive_items_reviewed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items
    ADD CONSTRAINT directive_items_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES public.users(id);


--
-- Name: directive_items directive_items_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_items
    ADD CONSTRAINT directive_items_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: directive_supporters directive_supporters_agency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_supporters
    ADD CONSTRAINT directive_supporters_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies(id);


--
-- Name: directive_supporters directive_supporters_directive_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_supporters
    ADD CONSTRAINT directive_supporters_directive_id_fkey FOREIGN KEY (directive_id) REFERENCES public.directives(id);


--
-- Name: directive_supporters directive_supporters_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directive_supporters
    ADD CONSTRAINT directive_supporters_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: directives directives_meeting_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.directives
    ADD CONSTRAINT directives_meeting_id_fkey FOREIGN KEY (meeting_id) REFERENCES public.meetings(id);


--
-- Name: elections elections_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.elections
    ADD CONSTRAINT elections_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: form_submissions form_submissions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.form_submissions
    ADD CONSTRAINT form_submissions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: meeting_documents meeting_documents_meeting_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_documents
    ADD CONSTRAINT meeting_documents_meeting_id_fkey FOREIGN KEY (meeting_id) REFERENCES public.meetings(id);


--
-- Name: meeting_documents meeting_documents_uploaded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_documents
    ADD CONSTRAINT meeting_documents_uploaded_by_fkey FOREIGN KEY (uploaded_by) REFERENCES public.users(id);


--
-- Name: meeting_sites meeting_sites_meeting_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting_sites
    ADD CONSTRAINT meeting_sites_meeting_id_fkey FOREIGN KEY (meeting_id) REFERENCES public.meetings(id);


--
-- Name: meetings meetings_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meetings
    ADD CONSTRAINT meetings_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id);


--
-- Name: meetings meetings_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meetings
    ADD CONSTRAINT meetings_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: meetings meetings_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meetings
    ADD CONSTRAINT meetings_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: nomination_quotas nomination_quotas_council_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nomination_quotas
    ADD CONSTRAINT nomination_quotas_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.councils(id);


--
-- Name: nominees nominees_constituency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nominees
    ADD CONSTRAINT nominees_constituency_id_fkey FOREIGN KEY (constituency_id) REFERENCES public.constituencies(id);


--
-- Name: nominees nominees_council_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nominees
    ADD CONSTRAINT nominees_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.councils(id);


--
-- Name: nominees nominees_quota_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.nominees
    ADD CONSTRAINT nominees_quota_id_fkey FOREIGN KEY (quota_id) REFERENCES public.nomination_quotas(id);


--
-- Name: polling_areas polling_areas_commune_id_unit_level_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_areas
    ADD CONSTRAINT polling_areas_commune_id_unit_level_fkey FOREIGN KEY (commune_id, unit_level) REFERENCES public.units(id, level);


--
-- Name: polling_areas polling_areas_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_areas
    ADD CONSTRAINT polling_areas_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id) ON DELETE CASCADE;


--
-- Name: polling_ballots polling_ballots_polling_area_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_ballots
    ADD CONSTRAINT polling_ballots_polling_area_id_fkey FOREIGN KEY (polling_area_id) REFERENCES public.polling_areas(id) ON DELETE CASCADE;


--
-- Name: polling_ballots polling_ballots_race_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_ballots
    ADD CONSTRAINT polling_ballots_race_id_fkey FOREIGN KEY (race_id) REFERENCES public.races(id);


--
-- Name: polling_logistics polling_logistics_polling_area_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_logistics
    ADD CONSTRAINT polling_logistics_polling_area_id_fkey FOREIGN KEY (polling_area_id) REFERENCES public.polling_areas(id) ON DELETE CASCADE;


--
-- Name: races races_council_level_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.races
    ADD CONSTRAINT races_council_level_fkey FOREIGN KEY (council_level) REFERENCES public.unit_levels(code);


--
-- Name: races races_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.races
    ADD CONSTRAINT races_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id) ON DELETE CASCADE;


--
-- Name: review_delegations review_delegations_district_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.review_delegations
    ADD CONSTRAINT review_delegations_district_id_fkey FOREIGN KEY (district_id) REFERENCES public.units(id);


--
-- Name: review_delegations review_delegations_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.review_delegations
    ADD CONSTRAINT review_delegations_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: review_delegations review_delegations_granted_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.review_delegations
    ADD CONSTRAINT review_delegations_granted_by_fkey FOREIGN KEY (granted_by) REFERENCES public.users(id);


--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: task_attachments task_attachments_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_attachments
    ADD CONSTRAINT task_attachments_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE;


--
-- Name: task_attachments task_attachments_uploaded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_attachments
    ADD CONSTRAINT task_attachments_uploaded_by_fkey FOREIGN KEY (uploaded_by) REFERENCES public.users(id);


--
-- Name: task_events task_events_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_events
    ADD CONSTRAINT task_events_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE;


--
-- Name: task_events task_events_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_events
    ADD CONSTRAINT task_events_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: task_rollup task_rollup_calendar_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_rollup
    ADD CONSTRAINT task_rollup_calendar_entry_id_fkey FOREIGN KEY (calendar_entry_id) REFERENCES public.calendar_entries(id) ON DELETE CASCADE;


--
-- Name: task_rollup task_rollup_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_rollup
    ADD CONSTRAINT task_rollup_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id) ON DELETE CASCADE;


--
-- Name: tasks tasks_calendar_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_calendar_entry_id_fkey FOREIGN KEY (calendar_entry_id) REFERENCES public.calendar_entries(id) ON DELETE CASCADE;


--
-- Name: tasks tasks_reviewed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES public.users(id);


--
-- Name: tasks tasks_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: tasks tasks_updated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_updated_by_fkey FOREIGN KEY (updated_by) REFERENCES public.users(id);


--
-- Name: unit_activity unit_activity_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unit_activity
    ADD CONSTRAINT unit_activity_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id) ON DELETE CASCADE;


--
-- Name: units units_level_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_level_fkey FOREIGN KEY (level) REFERENCES public.unit_levels(code);


--
-- Name: units units_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.units(id);


--
-- Name: users users_agency_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_agency_id_fkey FOREIGN KEY (agency_id) REFERENCES public.agencies(id);


--
-- Name: users users_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id) ON DELETE SET NULL;


--
-- Name: users users_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES public.units(id);


--
-- Name: visit_checks visit_checks_calendar_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visit_checks
    ADD CONSTRAINT visit_checks_calendar_entry_id_fkey FOREIGN KEY (calendar_entry_id) REFERENCES public.calendar_entries(id);


--
-- Name: visit_checks visit_checks_meeting_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visit_checks
    ADD CONSTRAINT visit_checks_meeting_id_fkey FOREIGN KEY (meeting_id) REFERENCES public.visits(meeting_id);


--
-- Name: visits visits_locality_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visits
    ADD CONSTRAINT visits_locality_id_fkey FOREIGN KEY (locality_id) REFERENCES public.units(id);


--
-- Name: visits visits_meeting_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visits
    ADD CONSTRAINT visits_meeting_id_fkey FOREIGN KEY (meeting_id) REFERENCES public.meetings(id);


--
-- Name: voter_issues voter_issues_nominee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.voter_issues
    ADD CONSTRAINT voter_issues_nominee_id_fkey FOREIGN KEY (nominee_id) REFERENCES public.nominees(id);


--
-- Name: voter_meetings voter_meetings_nominee_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.voter_meetings
    ADD CONSTRAINT voter_meetings_nominee_id_fkey FOREIGN KEY (nominee_id) REFERENCES public.nominees(id);


--
-- PostgreSQL database dump complete
--


