-- A province may let a district's officers review (approve or return) the tasks of that
-- district's communes, one district at a time and for one election. The district's own tasks stay
-- with the province. A row is the delegation; withdrawing it deletes the row (both are audited).
CREATE TABLE review_delegations (
    election_id bigint NOT NULL REFERENCES elections (id),
    district_id bigint NOT NULL REFERENCES units (id),
    granted_by bigint REFERENCES users (id),
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (election_id, district_id)
);
