-- The whole data model of an election's preparation (see DOMAIN.md).
-- Later migrations add behaviour; they should not need to reshape these tables.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Accent-insensitive search key: "Đầm Hà" and "dam ha" both become "dam ha".
-- unaccent() is only STABLE, so it is wrapped with its dictionary named to be usable in indexes.
CREATE FUNCTION search_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(unaccent('unaccent'::regdictionary, $1));

-- Rows that users edit carry a version and updated_at, bumped here so no code path can forget.
CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- Installation facts, e.g. whether the private demo database has been seeded.
CREATE TABLE installation (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Administrative units: one tree, levels are data.
-- ---------------------------------------------------------------------------

CREATE TABLE unit_levels (
    code    text PRIMARY KEY,
    depth   smallint NOT NULL UNIQUE CHECK (depth >= 0),
    name_vi text NOT NULL,
    name_en text NOT NULL
);

INSERT INTO unit_levels (code, depth, name_vi, name_en) VALUES
    ('country', 0, 'Toàn quốc', 'Country'),
    ('province', 1, 'Cấp tỉnh', 'Province'),
    ('district', 2, 'Cấp huyện', 'District'),
    ('commune', 3, 'Cấp xã', 'Commune');

CREATE TABLE units (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    level         text NOT NULL REFERENCES unit_levels (code),
    division_type text NOT NULL CHECK (division_type <> ''),
    gso_code      integer NOT NULL CHECK (gso_code > 0),
    name          text COLLATE "vi-VN-x-icu" NOT NULL CHECK (name <> ''),
    parent_id     bigint REFERENCES units (id),
    population    integer CHECK (population >= 0),
    voters        integer CHECK (voters >= 0),
    terrain       text NOT NULL DEFAULT 'ordinary'
                  CHECK (terrain IN ('ordinary', 'mountainous', 'island')),
    valid_from    date NOT NULL,
    valid_to      date CHECK (valid_to > valid_from),
    -- The ids of the unit and all its ancestors, kept by trigger: scope checks and roll-ups
    -- ask "is X under Y" with one indexed lookup instead of walking the tree.
    ancestors     bigint[] NOT NULL DEFAULT '{}',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (level, gso_code, valid_from),
    UNIQUE (id, level),
    CHECK (parent_id <> id)
);
-- A GSO code names one current unit within its level.
CREATE UNIQUE INDEX units_current_code ON units (level, gso_code) WHERE valid_to IS NULL;
CREATE INDEX units_parent ON units (parent_id, name);
CREATE INDEX units_search ON units USING gin (search_key(name) gin_trgm_ops);
CREATE INDEX units_ancestors ON units USING gin (ancestors);
CREATE TRIGGER units_version BEFORE UPDATE ON units FOR EACH ROW EXECUTE FUNCTION bump_version();

-- A parent sits at a shallower level than its child (a tree that cannot loop).
CREATE FUNCTION units_check_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND (
        SELECT pl.depth FROM units p JOIN unit_levels pl ON pl.code = p.level WHERE p.id = NEW.parent_id
    ) >= (SELECT depth FROM unit_levels WHERE code = NEW.level) THEN
        RAISE EXCEPTION 'a unit''s parent must be of a higher level' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'units_parent_level';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER units_parent_level BEFORE INSERT OR UPDATE OF parent_id, level ON units
    FOR EACH ROW EXECUTE FUNCTION units_check_parent();

CREATE FUNCTION units_set_ancestors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ancestors := coalesce((SELECT ancestors FROM units WHERE id = NEW.parent_id), '{}') || NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER units_ancestors BEFORE INSERT OR UPDATE OF parent_id ON units
    FOR EACH ROW EXECUTE FUNCTION units_set_ancestors();

-- A unit that moves takes its whole subtree along.
CREATE FUNCTION units_move_descendants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE units
       SET ancestors = NEW.ancestors || ancestors[array_position(ancestors, NEW.id) + 1:]
     WHERE ancestors @> ARRAY[NEW.id] AND id <> NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER units_move_descendants AFTER UPDATE OF parent_id ON units
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION units_move_descendants();

-- ---------------------------------------------------------------------------
-- Elections, races and councils.
-- ---------------------------------------------------------------------------

CREATE TABLE elections (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (name <> ''),
    election_day date NOT NULL,
    unit_id      bigint NOT NULL REFERENCES units (id),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (unit_id, election_day)
);
CREATE TRIGGER elections_version BEFORE UPDATE ON elections FOR EACH ROW EXECUTE FUNCTION bump_version();

-- The four races of one election day. council_level names the level whose People's Councils
-- the race elects; the National Assembly race has none. The seat cap per constituency is data
-- (3 for the NA, 5 for a People's Council).
CREATE TABLE races (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_id                bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    kind                       text NOT NULL
                               CHECK (kind IN ('na', 'province_council', 'district_council', 'commune_council')),
    council_level              text REFERENCES unit_levels (code),
    max_seats_per_constituency smallint NOT NULL CHECK (max_seats_per_constituency > 0),
    UNIQUE (election_id, kind),
    UNIQUE (id, election_id),
    CHECK ((kind = 'na') = (council_level IS NULL))
);

-- One seat total per race and unit: the province's NA delegation, and each People's Council.
-- seats_total is entered (NA seats) or overrides the population formula (with a reason);
-- when NULL the total is computed from the unit's population by the law's table.
CREATE TABLE councils (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    race_id            bigint NOT NULL REFERENCES races (id) ON DELETE CASCADE,
    unit_id            bigint NOT NULL REFERENCES units (id),
    seats_total        integer CHECK (seats_total > 0),
    seats_total_reason text,
    version            integer NOT NULL DEFAULT 1,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (race_id, unit_id),
    UNIQUE (id, race_id)
);
CREATE INDEX councils_unit ON councils (unit_id);
CREATE TRIGGER councils_version BEFORE UPDATE ON councils FOR EACH ROW EXECUTE FUNCTION bump_version();

CREATE TABLE constituencies (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    council_id bigint NOT NULL,
    race_id    bigint NOT NULL,
    number     integer NOT NULL CHECK (number > 0),
    name       text COLLATE "vi-VN-x-icu" NOT NULL CHECK (name <> ''),
    seats      integer NOT NULL CHECK (seats > 0),
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (council_id, race_id) REFERENCES councils (id, race_id) ON DELETE CASCADE,
    UNIQUE (council_id, number),
    UNIQUE (id, race_id)
);
CREATE TRIGGER constituencies_version BEFORE UPDATE ON constituencies FOR EACH ROW EXECUTE FUNCTION bump_version();

-- The units a constituency covers; a unit is covered by at most one constituency of a race.
CREATE TABLE constituency_units (
    constituency_id bigint NOT NULL,
    race_id         bigint NOT NULL,
    unit_id         bigint NOT NULL REFERENCES units (id),
    PRIMARY KEY (constituency_id, unit_id),
    FOREIGN KEY (constituency_id, race_id) REFERENCES constituencies (id, race_id) ON DELETE CASCADE,
    UNIQUE (race_id, unit_id)
);
CREATE INDEX constituency_units_unit ON constituency_units (unit_id);

-- ---------------------------------------------------------------------------
-- Polling areas (one per polling place, serving all four races).
-- ---------------------------------------------------------------------------

CREATE TABLE polling_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    commune_id  bigint NOT NULL,
    -- Always 'commune': with the foreign key below it makes the database refuse an area in a district.
    unit_level  text NOT NULL DEFAULT 'commune' CHECK (unit_level = 'commune'),
    number      integer NOT NULL CHECK (number > 0),
    name        text COLLATE "vi-VN-x-icu" NOT NULL CHECK (name <> ''),
    address     text,
    voters      integer NOT NULL CHECK (voters >= 0),
    kind        text NOT NULL DEFAULT 'ordinary'
                CHECK (kind IN ('ordinary', 'hospital_care_home', 'armed_forces', 'detention', 'remote')),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (commune_id, unit_level) REFERENCES units (id, level),
    UNIQUE (election_id, commune_id, number)
);
CREATE INDEX polling_areas_commune ON polling_areas (commune_id);
CREATE TRIGGER polling_areas_version BEFORE UPDATE ON polling_areas FOR EACH ROW EXECUTE FUNCTION bump_version();

-- ---------------------------------------------------------------------------
-- Election bodies and their members.
-- ---------------------------------------------------------------------------

CREATE TABLE body_kinds (
    code    text PRIMARY KEY,
    name_vi text NOT NULL,
    name_en text NOT NULL
);
INSERT INTO body_kinds (code, name_vi, name_en) VALUES
    ('steering_committee', 'Ban chỉ đạo bầu cử', 'Steering committee'),
    ('election_committee', 'Ủy ban bầu cử', 'Election committee'),
    ('election_board', 'Ban bầu cử', 'Election board'),
    ('polling_group', 'Tổ bầu cử', 'Polling group');

-- Legal member ranges, as data (DOMAIN.md section 3). race_kind narrows election boards;
-- armed_forces narrows polling groups. A NULL narrowing column matches any.
CREATE TABLE body_size_rules (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body_kind    text NOT NULL REFERENCES body_kinds (code),
    level        text REFERENCES unit_levels (code),
    race_kind    text CHECK (race_kind IN ('na', 'province_council', 'district_council', 'commune_council')),
    armed_forces boolean,
    min_members  integer NOT NULL CHECK (min_members > 0),
    max_members  integer NOT NULL,
    CHECK (max_members >= min_members),
    UNIQUE NULLS NOT DISTINCT (body_kind, level, race_kind, armed_forces)
);
INSERT INTO body_size_rules (body_kind, level, race_kind, armed_forces, min_members, max_members) VALUES
    ('election_committee', 'province', NULL, NULL, 21, 31),
    ('election_committee', 'district', NULL, NULL, 11, 15),
    ('election_committee', 'commune', NULL, NULL, 9, 11),
    ('election_board', NULL, 'na', NULL, 9, 15),
    ('election_board', NULL, 'province_council', NULL, 11, 13),
    ('election_board', NULL, 'district_council', NULL, 9, 11),
    ('election_board', NULL, 'commune_council', NULL, 7, 9),
    ('polling_group', NULL, NULL, false, 11, 21),
    ('polling_group', NULL, NULL, true, 5, 9);

CREATE TABLE bodies (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_id           bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    kind                  text NOT NULL REFERENCES body_kinds (code),
    unit_id               bigint NOT NULL REFERENCES units (id),
    race_id               bigint,
    constituency_id       bigint,
    polling_area_id       bigint UNIQUE REFERENCES polling_areas (id) ON DELETE CASCADE,
    name                  text COLLATE "vi-VN-x-icu" NOT NULL CHECK (name <> ''),
    decision_number       text,
    decision_date         date,
    decision_signer       text,
    -- How many members a report says the body has, for bodies whose members are not listed by name.
    reported_member_count integer CHECK (reported_member_count >= 0),
    dissolved_at          date,
    dissolution_reason    text,
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (race_id, election_id) REFERENCES races (id, election_id),
    FOREIGN KEY (constituency_id, race_id) REFERENCES constituencies (id, race_id) ON DELETE CASCADE,
    CHECK ((kind = 'election_board') = (constituency_id IS NOT NULL AND race_id IS NOT NULL)),
    CHECK ((kind = 'polling_group') = (polling_area_id IS NOT NULL)),
    CHECK (kind = 'election_board' OR race_id IS NULL),
    CHECK ((dissolved_at IS NULL) = (dissolution_reason IS NULL))
);
-- One live steering committee and one live election committee per unit and election;
-- one live board per constituency.
CREATE UNIQUE INDEX bodies_one_per_unit ON bodies (election_id, kind, unit_id)
    WHERE kind IN ('steering_committee', 'election_committee') AND dissolved_at IS NULL;
CREATE UNIQUE INDEX bodies_one_per_constituency ON bodies (constituency_id) WHERE dissolved_at IS NULL;
CREATE INDEX bodies_unit ON bodies (unit_id, kind);
CREATE INDEX bodies_search ON bodies USING gin (search_key(name) gin_trgm_ops);
CREATE TRIGGER bodies_version BEFORE UPDATE ON bodies FOR EACH ROW EXECUTE FUNCTION bump_version();

CREATE TABLE body_members (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body_id    bigint NOT NULL REFERENCES bodies (id) ON DELETE CASCADE,
    full_name  text COLLATE "vi-VN-x-icu" NOT NULL CHECK (full_name <> ''),
    role       text NOT NULL CHECK (role IN ('chair', 'deputy', 'secretary', 'member')),
    position   text,
    phone      text,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX body_members_body ON body_members (body_id);
-- At most one chair; "exactly one" is a structure check, so a body can be built up member by member.
CREATE UNIQUE INDEX body_members_one_chair ON body_members (body_id) WHERE role = 'chair';
CREATE INDEX body_members_search ON body_members USING gin (search_key(full_name) gin_trgm_ops);
CREATE TRIGGER body_members_version BEFORE UPDATE ON body_members FOR EACH ROW EXECUTE FUNCTION bump_version();

-- ---------------------------------------------------------------------------
-- Candidates and vote-count minutes (DOMAIN.md section 5).
-- ---------------------------------------------------------------------------

CREATE TABLE candidates (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    constituency_id bigint NOT NULL REFERENCES constituencies (id) ON DELETE CASCADE,
    full_name       text COLLATE "vi-VN-x-icu" NOT NULL CHECK (full_name <> ''),
    birth_date      date NOT NULL,
    stage           text NOT NULL DEFAULT 'nominated'
                    CHECK (stage IN ('nominated', 'preliminary', 'qualified', 'official', 'withdrawn')),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX candidates_constituency ON candidates (constituency_id);
CREATE TRIGGER candidates_version BEFORE UPDATE ON candidates FOR EACH ROW EXECUTE FUNCTION bump_version();

-- A polling group's minutes for one race; round 1 is the vote, later rounds a re-vote or additional election.
CREATE TABLE count_minutes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    polling_area_id  bigint NOT NULL REFERENCES polling_areas (id) ON DELETE CASCADE,
    constituency_id  bigint NOT NULL REFERENCES constituencies (id) ON DELETE CASCADE,
    round            smallint NOT NULL DEFAULT 1 CHECK (round >= 1),
    voters_on_list   integer NOT NULL CHECK (voters_on_list >= 0),
    voters_voted     integer NOT NULL CHECK (voters_voted >= 0),
    ballots_issued   integer NOT NULL CHECK (ballots_issued >= 0),
    ballots_received integer NOT NULL CHECK (ballots_received >= 0),
    ballots_valid    integer NOT NULL CHECK (ballots_valid >= 0),
    ballots_invalid  integer NOT NULL CHECK (ballots_invalid >= 0),
    complaints       text,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (polling_area_id, constituency_id, round),
    CHECK (ballots_received <= ballots_issued),
    CHECK (ballots_valid + ballots_invalid = ballots_received),
    CHECK (voters_voted <= voters_on_list)
);
CREATE TRIGGER count_minutes_version BEFORE UPDATE ON count_minutes FOR EACH ROW EXECUTE FUNCTION bump_version();

CREATE TABLE count_votes (
    minutes_id   bigint NOT NULL REFERENCES count_minutes (id) ON DELETE CASCADE,
    candidate_id bigint NOT NULL REFERENCES candidates (id),
    votes        integer NOT NULL CHECK (votes >= 0),
    PRIMARY KEY (minutes_id, candidate_id)
);

-- No candidate has more votes than the minutes' valid ballots.
CREATE FUNCTION count_votes_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.votes > (SELECT ballots_valid FROM count_minutes WHERE id = NEW.minutes_id) THEN
        RAISE EXCEPTION 'a candidate cannot have more votes than there are valid ballots'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'count_votes_within_valid';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER count_votes_within_valid BEFORE INSERT OR UPDATE ON count_votes
    FOR EACH ROW EXECUTE FUNCTION count_votes_check();

-- ---------------------------------------------------------------------------
-- The deadline calendar and every unit's checklist.
-- ---------------------------------------------------------------------------

-- offset_days counts back from election day (negative: after it). levels names where each unit
-- must do it; 'country' alone means a national step with no local task. owner_unit_id is set for
-- an administrative entry that one province added for itself.
CREATE TABLE calendar_entries (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_id   bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    code          text NOT NULL CHECK (code ~ '^[a-z0-9_]+$'),
    offset_days   integer NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('legal', 'administrative')),
    levels        text[] NOT NULL CHECK (cardinality(levels) > 0),
    title_vi      text NOT NULL CHECK (title_vi <> ''),
    title_en      text NOT NULL CHECK (title_en <> ''),
    owner_unit_id bigint REFERENCES units (id),
    retired_at    timestamptz,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (election_id, code, owner_unit_id),
    CHECK (kind = 'administrative' OR owner_unit_id IS NULL)
);
CREATE TRIGGER calendar_entries_version BEFORE UPDATE ON calendar_entries FOR EACH ROW EXECUTE FUNCTION bump_version();

-- The law's deadlines cannot move: only administrative entries may change their offset.
CREATE FUNCTION calendar_entries_keep_legal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.kind = 'legal' AND (NEW.offset_days <> OLD.offset_days OR NEW.kind <> OLD.kind
                               OR NEW.retired_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a legal deadline cannot be moved or retired'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'calendar_entries_legal_fixed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER calendar_entries_legal_fixed BEFORE UPDATE ON calendar_entries
    FOR EACH ROW EXECUTE FUNCTION calendar_entries_keep_legal();

CREATE TABLE tasks (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    calendar_entry_id bigint NOT NULL REFERENCES calendar_entries (id) ON DELETE CASCADE,
    unit_id           bigint NOT NULL REFERENCES units (id),
    status            text NOT NULL DEFAULT 'not_started'
                      CHECK (status IN ('not_started', 'in_progress', 'done', 'not_applicable', 'blocked')),
    status_reason     text,
    evidence_number   text,
    evidence_date     date,
    evidence_signer   text,
    note              text,
    review            text NOT NULL DEFAULT 'none' CHECK (review IN ('none', 'approved', 'returned')),
    review_comment    text,
    reviewed_by       bigint,
    reviewed_at       timestamptz,
    updated_by        bigint,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (calendar_entry_id, unit_id),
    -- A task is done only with a dated document; its number and signer are asked for by the forms
    -- (a report may have given only a date).
    CHECK (status <> 'done' OR evidence_date IS NOT NULL),
    CHECK (status NOT IN ('not_applicable', 'blocked') OR coalesce(status_reason, '') <> '')
);
CREATE INDEX tasks_unit ON tasks (unit_id, calendar_entry_id) INCLUDE (status, evidence_date);
CREATE TRIGGER tasks_version BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION bump_version();

-- Every status transition of a task: who, when, from, to, note.
CREATE TABLE task_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint,
    from_status text,
    to_status   text NOT NULL,
    note        text
);
CREATE INDEX task_events_task ON task_events (task_id, at);

CREATE TABLE task_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id      bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    file_name    text NOT NULL CHECK (file_name <> ''),
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes   integer NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 10485760),
    content      bytea NOT NULL,
    uploaded_by  bigint,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_attachments_task ON task_attachments (task_id);

-- ---------------------------------------------------------------------------
-- Users, sessions and the audit log.
-- ---------------------------------------------------------------------------

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             text NOT NULL CHECK (username ~ '^[a-z0-9._-]{3,64}$'),
    full_name            text COLLATE "vi-VN-x-icu" NOT NULL CHECK (full_name <> ''),
    role                 text NOT NULL CHECK (role IN ('admin', 'province_officer', 'steering_member',
                                                       'district_officer', 'commune_officer')),
    unit_id              bigint REFERENCES units (id),
    phone                text,
    email                text,
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    language             text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    disabled_at          timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (username),
    CHECK ((role = 'admin') = (unit_id IS NULL))
);
CREATE INDEX users_unit ON users (unit_id);
CREATE TRIGGER users_version BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION bump_version();

ALTER TABLE tasks ADD FOREIGN KEY (reviewed_by) REFERENCES users (id),
                  ADD FOREIGN KEY (updated_by) REFERENCES users (id);
ALTER TABLE task_events ADD FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE task_attachments ADD FOREIGN KEY (uploaded_by) REFERENCES users (id);

-- The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    client_addr  inet,
    user_agent   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE ended_at IS NULL;

-- The steering committee's briefs as saved: the whole content, so that an old brief reprints exactly
-- as it was and the next one can say what changed.
CREATE TABLE briefs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    unit_id     bigint NOT NULL REFERENCES units (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  bigint NOT NULL REFERENCES users (id),
    content     jsonb NOT NULL
);
CREATE INDEX briefs_unit ON briefs (unit_id, created_at);

-- Forms carry a one-time token; a second submission of the same form (a double click, a reload,
-- a retry on a flaky network) finds its token here and is not applied again.
CREATE TABLE form_submissions (
    token      text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Failed logins per key ('user:<name>' or 'addr:<ip>'), for an increasing delay, never a lockout.
CREATE TABLE login_throttle (
    key              text PRIMARY KEY,
    failures         integer NOT NULL CHECK (failures > 0),
    last_failure_at  timestamptz NOT NULL,
    next_allowed_at  timestamptz NOT NULL
);

-- Append-only and hash-chained: each record carries the hash of the one before it, so an altered
-- or removed record breaks the chain (`baucu audit verify`). The id, the link and the hash are
-- set by the trigger below, one writer at a time, so the chain follows the ids exactly.
CREATE TABLE audit_log (
    id          bigint PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint REFERENCES users (id),
    session_id  bigint REFERENCES sessions (id),
    unit_id     bigint REFERENCES units (id),
    action      text NOT NULL CHECK (action <> ''),
    object_type text,
    object_id   bigint,
    before      jsonb,
    after       jsonb,
    client_addr inet,
    prev_hash   bytea,
    hash        bytea NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_unit ON audit_log (unit_id, id);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- The hash of a record: SHA-256 over a canonical JSON array of its fields and the previous hash.
-- The time enters as microseconds since the epoch, so the text does not depend on the session's time zone.
CREATE FUNCTION audit_log_hash(r audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN sha256(convert_to(jsonb_build_array(
        encode(r.prev_hash, 'hex'), r.id, (extract(epoch FROM r.at) * 1000000)::bigint, r.user_id,
        r.session_id, r.unit_id, r.action, r.object_type, r.object_id, r.before, r.after,
        host(r.client_addr))::text, 'UTF8'));

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last audit_log%ROWTYPE;
BEGIN
    -- One writer at a time until commit, so each record links to the one committed before it.
    PERFORM pg_advisory_xact_lock(hashtext('baucu.audit_log'));
    SELECT * INTO last FROM audit_log ORDER BY id DESC LIMIT 1;
    NEW.id := coalesce(last.id, 0) + 1;
    NEW.prev_hash := last.hash;
    NEW.hash := audit_log_hash(NEW);
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
