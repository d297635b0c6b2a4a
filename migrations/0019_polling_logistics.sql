-- What each polling area must have on election day, counted: its polling place, the lists posted,
-- ballots received for each race against its voters plus the reserve the province sets, ballot
-- boxes, seals, decoration, loudspeaker, and the rehearsal, each ready or not with its date.
ALTER TABLE elections
    ADD COLUMN ballot_reserve_percent integer NOT NULL DEFAULT 5
        CHECK (ballot_reserve_percent BETWEEN 0 AND 50);

CREATE TABLE polling_logistics (
    polling_area_id bigint PRIMARY KEY REFERENCES polling_areas (id) ON DELETE CASCADE,
    place text,
    place_type text CHECK (place_type IN ('school', 'cultural_house', 'office', 'other')),
    accessible boolean NOT NULL DEFAULT false,
    voter_list_posted_on date,
    candidate_lists_posted_on date,
    ballot_boxes_main integer NOT NULL DEFAULT 0 CHECK (ballot_boxes_main >= 0),
    ballot_boxes_aux integer NOT NULL DEFAULT 0 CHECK (ballot_boxes_aux >= 0),
    boxes_ready_on date,
    seals_ready_on date,
    decoration_ready_on date,
    loudspeaker_ready_on date,
    rehearsal_on date,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL
);

CREATE TABLE polling_ballots (
    polling_area_id bigint NOT NULL REFERENCES polling_areas (id) ON DELETE CASCADE,
    race_id bigint NOT NULL REFERENCES races (id),
    received integer NOT NULL CHECK (received >= 0),
    received_on date NOT NULL,
    PRIMARY KEY (polling_area_id, race_id)
);
