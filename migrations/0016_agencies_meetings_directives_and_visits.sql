-- Agencies (cơ quan, ban, ngành) act beside the units: a province's departments and their
-- district counterparts. Each belongs to an election and to the province or district it serves.
CREATE TABLE agencies (
    id bigserial PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id),
    unit_id bigint NOT NULL REFERENCES units (id),
    name text NOT NULL COLLATE "vi-VN-x-icu" CHECK (name <> ''),
    retired_at timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (election_id, unit_id, name)
);

-- An agency officer answers for one agency. Their unit is the agency's, so that they read that
-- unit's dashboards; they change nothing but what is assigned to their agency.
ALTER TABLE users ADD COLUMN agency_id bigint REFERENCES agencies (id);
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN (
    'admin', 'province_officer', 'steering_member', 'district_officer', 'commune_officer', 'agency_officer'));
ALTER TABLE users ADD CONSTRAINT users_agency_check CHECK ((role = 'agency_officer') = (agency_id IS NOT NULL));

-- A meeting of the steering committee, of the election committee, an online review with every
-- locality connected from its own site (điểm cầu), or a working group's visit to a locality.
CREATE TABLE meetings (
    id bigserial PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id),
    unit_id bigint NOT NULL REFERENCES units (id),
    kind text NOT NULL CHECK (kind IN ('steering_committee', 'election_committee', 'online_review',
                                       'working_group_visit')),
    held_at timestamptz NOT NULL,
    chair text NOT NULL CHECK (chair <> ''),
    subject text NOT NULL CHECK (subject <> ''),
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL
);

CREATE TABLE meeting_sites (
    id bigserial PRIMARY KEY,
    meeting_id bigint NOT NULL REFERENCES meetings (id),
    name text NOT NULL CHECK (name <> ''),
    attendees text,
    UNIQUE (meeting_id, name)
);

-- A meeting's conclusion addressed to someone: its lead answers it (a directive to every
-- district has one lead item per district, each tracked on its own); supporters are named.
CREATE TABLE directives (
    id bigserial PRIMARY KEY,
    meeting_id bigint NOT NULL REFERENCES meetings (id),
    body text NOT NULL CHECK (body <> ''),
    due_date date NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE directive_supporters (
    directive_id bigint NOT NULL REFERENCES directives (id),
    agency_id bigint REFERENCES agencies (id),
    unit_id bigint REFERENCES units (id),
    CHECK ((agency_id IS NULL) <> (unit_id IS NULL))
);

-- What is tracked like a task: the lead's answer, with its evidence, the province's review and
-- a version for conflicts.
CREATE TABLE directive_items (
    id bigserial PRIMARY KEY,
    directive_id bigint NOT NULL REFERENCES directives (id),
    agency_id bigint REFERENCES agencies (id),
    unit_id bigint REFERENCES units (id),
    status text NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'done')),
    evidence_number text,
    evidence_date date,
    evidence_signer text,
    note text,
    review text NOT NULL DEFAULT 'none' CHECK (review IN ('none', 'approved', 'returned')),
    review_comment text,
    reviewed_by bigint REFERENCES users (id),
    reviewed_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL,
    CHECK ((agency_id IS NULL) <> (unit_id IS NULL)),
    CHECK (status <> 'done' OR (evidence_number IS NOT NULL AND evidence_date IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (directive_id, agency_id, unit_id)
);
CREATE INDEX directive_items_open ON directive_items (directive_id) WHERE status <> 'done';

CREATE TABLE directive_events (
    id bigserial PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES directive_items (id),
    at timestamptz NOT NULL,
    user_id bigint REFERENCES users (id),
    from_status text NOT NULL,
    to_status text NOT NULL,
    review text NOT NULL,
    note text
);

-- A working group's visit to a locality is a meeting of its own kind (its directives are the
-- visit's resulting directives) with what the group brings back: its members, what it checked
-- against the calendar entries due by then, its findings and the difficulties the locality raised.
CREATE TABLE visits (
    meeting_id bigint PRIMARY KEY REFERENCES meetings (id),
    locality_id bigint NOT NULL REFERENCES units (id),
    members text NOT NULL CHECK (members <> ''),
    findings text,
    difficulties text,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL
);
CREATE INDEX visits_locality ON visits (locality_id);

CREATE TABLE visit_checks (
    meeting_id bigint NOT NULL REFERENCES visits (meeting_id),
    calendar_entry_id bigint NOT NULL REFERENCES calendar_entries (id),
    result text NOT NULL CHECK (result IN ('as_reported', 'not_as_reported', 'not_checked')),
    note text,
    PRIMARY KEY (meeting_id, calendar_entry_id)
);

-- A meeting's documents: its agenda, its minutes, others; PDF, JPEG or PNG as task evidence is.
CREATE TABLE meeting_documents (
    id bigserial PRIMARY KEY,
    meeting_id bigint NOT NULL REFERENCES meetings (id),
    kind text NOT NULL CHECK (kind IN ('agenda', 'minutes', 'other')),
    file_name text NOT NULL CHECK (file_name <> ''),
    content_type text NOT NULL,
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    content bytea NOT NULL,
    uploaded_by bigint REFERENCES users (id),
    uploaded_at timestamptz NOT NULL
);
CREATE INDEX meeting_documents_meeting ON meeting_documents (meeting_id);
