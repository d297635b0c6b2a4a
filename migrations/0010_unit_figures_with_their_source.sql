-- A unit's population and voters are entered with the date they stand at and the document they
-- come from, so that a figure that decides seats can always be traced.
ALTER TABLE units
    ADD COLUMN figures_as_of date,
    ADD COLUMN figures_source text CHECK (figures_source <> '');
