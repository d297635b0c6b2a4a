-- The English titles of two legal entries used the Vietnamese abbreviation HĐND; English pages
-- must read in English. Only the wording changes, never a deadline.
UPDATE calendar_entries SET title_en = 'Official People''s Council candidate lists published'
 WHERE code = 'hdnd_official_lists_published' AND title_en = 'Official HĐND candidate lists published';
UPDATE calendar_entries SET title_en = 'People''s Council results published'
 WHERE code = 'hdnd_results_published' AND title_en = 'HĐND results published';
