-- The list pages by release number (keyset: "after #n"), also within a status.
CREATE INDEX releases_by_status_number ON releases (status, id);

-- Full-text search of release titles (search_text: folded, lower case without accents).
ALTER TABLE releases
    ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX releases_by_search ON releases USING gin (search_vector);
