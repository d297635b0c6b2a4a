-- The planner needs to know how many rows the calendar has. Autovacuum analyses a table only after
-- 50 changes plus a tenth of its rows, so a calendar of 29 entries, written once when the election
-- is set up, was never analysed. Guessing one entry per election, PostgreSQL read "my work" entry
-- by entry, one index probe per entry and one more per task for its unit (177 buffers on the
-- national data set); knowing there are 29, it reads the unit's tasks at once and joins the
-- calendar by hash (21 buffers, 0.23 ms down to 0.14 ms). The tables written when an election is
-- set up are analysed after a handful of changes, and the reference tables now.
ALTER TABLE calendar_entries SET (autovacuum_analyze_threshold = 5);
ALTER TABLE elections SET (autovacuum_analyze_threshold = 1);
ALTER TABLE races SET (autovacuum_analyze_threshold = 1);
ANALYZE calendar_entries, elections, races, unit_levels, body_kinds, body_size_rules, complaint_rules,
        composition_targets;
