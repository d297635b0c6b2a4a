-- Candidates through the three consultation conferences (DOMAIN.md §8): the election's composition
-- targets per race, each council's conferences, the numbers each nominating body may put forward,
-- the nominees with their dossiers, the voter meetings that test them and the questions voters
-- raise, and the official list each council publishes per constituency.

-- The shares the NA Standing Committee sets, as data per race (2021: NA women 35 %, ethnic
-- minorities 18 %; People's Councils women 35 %). New races get them from `insert_races`.
CREATE TABLE composition_targets (
    race_id bigint NOT NULL REFERENCES races (id) ON DELETE CASCADE,
    measure text NOT NULL CHECK (measure IN ('women', 'ethnic_minority', 'non_party', 'under_40')),
    min_percent integer NOT NULL CHECK (min_percent BETWEEN 0 AND 100),
    PRIMARY KEY (race_id, measure)
);
INSERT INTO composition_targets (race_id, measure, min_percent)
SELECT r.id, t.measure, t.min_percent
  FROM races r
  JOIN (VALUES ('na', 'women', 35), ('na', 'ethnic_minority', 18),
               ('province_council', 'women', 35), ('district_council', 'women', 35),
               ('commune_council', 'women', 35)) AS t(kind, measure, min_percent)
    ON t.kind = r.kind;

-- A council's consultation conference (round 1, 2 or 3), with its minutes. The outcome of round 1
-- is the quotas; of rounds 2 and 3, the nominees kept or left out.
CREATE TABLE consultations (
    id bigserial PRIMARY KEY,
    council_id bigint NOT NULL REFERENCES councils (id),
    round smallint NOT NULL CHECK (round IN (1, 2, 3)),
    held_on date NOT NULL,
    attendance integer NOT NULL CHECK (attendance > 0),
    minutes_number text NOT NULL CHECK (minutes_number <> ''),
    note text,
    recorded_by bigint REFERENCES users (id),
    recorded_at timestamptz NOT NULL,
    -- The third conference's list is sent on to the election council or committee (by E−30).
    sent_on date,
    sent_number text,
    UNIQUE (council_id, round),
    CHECK (sent_on IS NULL OR round = 3),
    CHECK ((sent_on IS NULL) = (sent_number IS NULL))
);

-- A conference's minutes and other papers, checked by content like every upload.
CREATE TABLE consultation_documents (
    id bigserial PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultations (id),
    file_name text NOT NULL CHECK (file_name <> ''),
    content_type text NOT NULL,
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    content bytea NOT NULL,
    uploaded_by bigint REFERENCES users (id),
    uploaded_at timestamptz NOT NULL
);
CREATE INDEX consultation_documents_consultation ON consultation_documents (consultation_id);

-- The first consultation's allocation: how many people, of what structure and composition, each
-- agency, organisation or unit may nominate for the council.
CREATE TABLE nomination_quotas (
    id bigserial PRIMARY KEY,
    council_id bigint NOT NULL REFERENCES councils (id),
    nominator text NOT NULL CHECK (nominator <> ''),
    seats integer NOT NULL CHECK (seats > 0),
    structure text,
    UNIQUE (council_id, nominator)
);

-- A nominee, from the dossier received to the official list. `stage` is how far they went;
-- `left_at` says where they stopped (left out at a conference, withdrawn or removed), with why.
-- The personal fields are those the law's forms publish, nothing more.
CREATE TABLE nominees (
    id bigserial PRIMARY KEY,
    council_id bigint NOT NULL REFERENCES councils (id),
    quota_id bigint REFERENCES nomination_quotas (id),
    full_name text NOT NULL CHECK (full_name <> ''),
    birth_date date NOT NULL,
    gender text NOT NULL CHECK (gender IN ('female', 'male')),
    ethnicity text NOT NULL CHECK (ethnicity <> ''),
    religion text NOT NULL CHECK (religion <> ''),
    hometown text NOT NULL CHECK (hometown <> ''),
    residence text NOT NULL CHECK (residence <> ''),
    education text NOT NULL CHECK (education <> ''),
    occupation text NOT NULL CHECK (occupation <> ''),
    workplace text NOT NULL CHECK (workplace <> ''),
    party_joined_on date,
    current_deputy boolean NOT NULL DEFAULT false,
    dossier_received_at timestamptz NOT NULL,
    stage text NOT NULL DEFAULT 'nominated'
        CHECK (stage IN ('nominated', 'preliminary', 'qualified', 'official')),
    left_at text CHECK (left_at IN ('consultation_2', 'consultation_3', 'withdrawn', 'removed')),
    left_reason text,
    left_on date,
    constituency_id bigint REFERENCES constituencies (id),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((left_at IS NULL) = (left_reason IS NULL) AND (left_at IS NULL) = (left_on IS NULL)),
    CHECK (stage = 'official' OR left_at IS DISTINCT FROM 'withdrawn' AND left_at IS DISTINCT FROM 'removed'),
    CHECK (stage <> 'official' OR constituency_id IS NOT NULL)
);
CREATE INDEX nominees_council ON nominees (council_id);
CREATE INDEX nominees_constituency ON nominees (constituency_id) WHERE constituency_id IS NOT NULL;

-- Meetings of voters where a nominee lives (and works), testing the confidence they keep.
CREATE TABLE voter_meetings (
    id bigserial PRIMARY KEY,
    nominee_id bigint NOT NULL REFERENCES nominees (id),
    place_kind text NOT NULL CHECK (place_kind IN ('residence', 'workplace')),
    held_on date NOT NULL,
    place text NOT NULL CHECK (place <> ''),
    invited integer NOT NULL CHECK (invited > 0),
    attending integer NOT NULL CHECK (attending > 0 AND attending <= invited),
    confident integer NOT NULL CHECK (confident >= 0 AND confident <= attending),
    recorded_at timestamptz NOT NULL
);
CREATE INDEX voter_meetings_nominee ON voter_meetings (nominee_id);

-- Questions voters raise about a nominee, and their verification, closed before the third
-- conference.
CREATE TABLE voter_issues (
    id bigserial PRIMARY KEY,
    nominee_id bigint NOT NULL REFERENCES nominees (id),
    raised_on date NOT NULL,
    raised text NOT NULL CHECK (raised <> ''),
    verified_on date,
    finding text,
    version integer NOT NULL DEFAULT 1,
    CHECK ((verified_on IS NULL) = (finding IS NULL))
);
CREATE INDEX voter_issues_nominee ON voter_issues (nominee_id);

-- Each constituency's official list is published on its day; its candidates are the nominees
-- placed in it.
ALTER TABLE constituencies
    ADD COLUMN list_published_on date;
