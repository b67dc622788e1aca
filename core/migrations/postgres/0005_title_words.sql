-- Every word of the release titles, once. GIN finds whole words fast but a prefix
-- ("migr:*") slowly, by merging every posting list under it into a bitmap: the list's
-- search turns each typed prefix into the title words that start with it.
CREATE TABLE release_title_words (word TEXT COLLATE "C" PRIMARY KEY);

INSERT INTO release_title_words
SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM releases
ON CONFLICT DO NOTHING;

-- Titles are written once, when a release is registered (or bulk-loaded).
CREATE FUNCTION remember_title_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO release_title_words
    SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM registered
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER release_title_words AFTER INSERT ON releases
    REFERENCING NEW TABLE AS registered
    FOR EACH STATEMENT EXECUTE FUNCTION remember_title_words();
