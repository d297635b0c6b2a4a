-- How long a complaint, denunciation or petition about each kind of subject may take to handle,
-- kept as data (DOMAIN.md §9): a number of days from receipt, and a point before election day after
-- which the law stops handling it. Voter lists: the list's maker answers within 5 days (Law on the
-- Election of Deputies, Art. 33). Candidates: not considered in the last 10 days before election day
-- (Art. 61). Other subjects: 10 days, a choice of ours that an operator may change here.
CREATE TABLE complaint_rules (
    subject text PRIMARY KEY CHECK (subject IN ('candidate', 'voter_list', 'body', 'polling_area', 'other')),
    days_to_handle integer CHECK (days_to_handle > 0),
    stop_before_election_days integer CHECK (stop_before_election_days >= 0),
    CHECK (days_to_handle IS NOT NULL OR stop_before_election_days IS NOT NULL)
);
INSERT INTO complaint_rules (subject, days_to_handle, stop_before_election_days) VALUES
    ('voter_list', 5, NULL),
    ('candidate', NULL, 10),
    ('body', 10, NULL),
    ('polling_area', 10, NULL),
    ('other', 10, NULL);

-- The register of an election body: what came in, about what, for whom to handle, by when, and
-- how it ended. The person is kept to a name and a way to reach them, and shown only to the
-- handling body and the province; above it only counts are shown.
CREATE TABLE complaints (
    id bigserial PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id),
    body_id bigint NOT NULL REFERENCES bodies (id),
    received_on date NOT NULL,
    channel text NOT NULL CHECK (channel IN ('in_person', 'letter', 'phone', 'email', 'forwarded')),
    category text NOT NULL CHECK (category IN ('complaint', 'denunciation', 'petition')),
    subject text NOT NULL REFERENCES complaint_rules (subject),
    about text NOT NULL CHECK (about <> ''),
    person_name text,
    person_contact text,
    due_on date NOT NULL,
    status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'handling', 'resolved', 'not_handled')),
    outcome text,
    evidence_number text,
    evidence_date date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (status NOT IN ('resolved', 'not_handled') OR outcome IS NOT NULL),
    CHECK (status <> 'resolved' OR (evidence_number IS NOT NULL AND evidence_date IS NOT NULL))
);
CREATE INDEX complaints_body ON complaints (body_id);
