-- The election's money, one line per unit (its People's Committee) and per agency: the estimate
-- it proposes, the amount the level above approves (with its decision), what is allocated and
-- what is spent, each with its date. Amounts are whole đồng.
CREATE TABLE budget_lines (
    id bigserial PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id),
    unit_id bigint REFERENCES units (id),
    agency_id bigint REFERENCES agencies (id),
    proposed bigint CHECK (proposed >= 0),
    proposed_on date,
    approved bigint CHECK (approved >= 0),
    approved_on date,
    approval_decision text,
    allocated bigint CHECK (allocated >= 0),
    allocated_on date,
    spent bigint CHECK (spent >= 0),
    spent_on date,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL,
    CHECK ((agency_id IS NULL) <> (unit_id IS NULL)),
    CHECK (approved IS NULL OR (approved_on IS NOT NULL AND approval_decision IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (election_id, unit_id, agency_id)
);
