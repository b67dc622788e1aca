-- A word search's first page, walked newest first, one span of 65,536 release numbers at a
-- time (a bucket). The words' index (migration 0020) holds one posting list per word over
-- every release: a common search ("parche seguridad portal", ~7,000 matches at a million
-- releases) decoded and crossed whole lists, then read every match, to show 25 and count
-- to 1,001; about 25 ms of the database each time. Here each word is also indexed with its
-- bucket ("15 parche"), so a bucket's lists are short, and the walk stops at the bucket that
-- brings what the page and its capped count need (BENCHMARKS.md, the twenty-sixth pass).

CREATE FUNCTION release_search_bucket(id BIGINT) RETURNS BIGINT
    IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$ SELECT id >> 16 $$;

-- The release's title words, each prefixed by its bucket.
CREATE FUNCTION release_search_terms(id BIGINT, words tsvector) RETURNS tsvector
    IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
    SELECT array_to_tsvector(ARRAY(
        SELECT release_search_bucket(id) || ' ' || word FROM unnest(tsvector_to_array(words)) word))
$$;

-- The query of a search: `groups` holds a line per typed word, the title words it stands
-- for separated by spaces (title words hold neither); each line must match. Each word is
-- written after `prefix`: a bucket and a space, or nothing for the words' index.
CREATE FUNCTION release_search_query(groups TEXT, prefix TEXT) RETURNS tsquery
    IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
    SELECT string_agg(
        '(' || (SELECT string_agg('''' || replace(replace(prefix || word, '\', '\\'), '''', '''''') || '''', ' | ')
                  FROM unnest(string_to_array(line, ' ')) word) || ')',
        ' & ')::tsquery
      FROM unnest(string_to_array(groups, E'\n')) line
$$;

CREATE INDEX release_search_buckets ON release_search USING gin (release_search_terms(id, search_vector))
    WITH (fastupdate = off);

-- A bucket's search finds tens to a few hundred rows: the workers of a parallel scan took
-- 12 ms to start, on every bucket, in the plan one plan serves (`plan_cache_mode =
-- force_generic_plan`, store/mod.rs).
ALTER TABLE release_search SET (parallel_workers = 0);

-- The numbers below `below` that match `groups`, newest first: bucket after bucket until
-- `wanted` are found (the last bucket read is returned whole) or none is left. Below three
-- buckets, in one pass over the words' index: at 100,000 releases a common search's ~700
-- matches fill no page's count, so the walk read both buckets, in two passes where one
-- serves (about a fifth more of the database's time; BENCHMARKS.md, the twenty-sixth pass).
CREATE FUNCTION release_search_walk(groups TEXT, below BIGINT, wanted BIGINT) RETURNS SETOF BIGINT
    STABLE LANGUAGE plpgsql AS $$
DECLARE
    bucket BIGINT;
    matched BIGINT := 0;
    bucket_rows BIGINT;
BEGIN
    below := least(below, coalesce((SELECT max(id) FROM release_search), 0) + 1);
    bucket := release_search_bucket(greatest(below, 1) - 1);
    -- `+ 0`: no index serves the order or the bound, so the words' index finds the rows.
    IF bucket < 2 THEN
        RETURN QUERY SELECT s.id FROM release_search s
            WHERE s.search_vector @@ release_search_query(groups, '') AND s.id + 0 < below
            ORDER BY s.id + 0 DESC;
        RETURN;
    END IF;
    WHILE bucket >= 0 AND matched < wanted LOOP
        RETURN QUERY SELECT s.id FROM release_search s
            WHERE release_search_terms(s.id, s.search_vector) @@ release_search_query(groups, bucket || ' ')
              AND s.id + 0 < below
            ORDER BY s.id + 0 DESC;
        GET DIAGNOSTICS bucket_rows = ROW_COUNT;
        matched := matched + bucket_rows;
        bucket := bucket - 1;
    END LOOP;
END
$$;
