-- The walk of a word search (migration 0023) read the words' index in one pass below three
-- buckets, since counting to 1,001 read both buckets at 100,000 releases anyway. The list
-- now counts to 101 (`COUNT_LIMIT`): the newest bucket alone fills a common search's page and
-- count, and the one pass read every match (~700) where the walk reads ~250: 5.7 ms against
-- 13.5 ms for the ten common searches at 100,000 releases (BENCHMARKS.md, the twenty-ninth
-- pass). The one pass stays for the first bucket, where it reads the same matches.
CREATE OR REPLACE FUNCTION release_search_walk(groups TEXT, below BIGINT, wanted BIGINT) RETURNS SETOF BIGINT
    STABLE LANGUAGE plpgsql AS $$
DECLARE
    bucket BIGINT;
    matched BIGINT := 0;
    bucket_rows BIGINT;
BEGIN
    below := least(below, coalesce((SELECT max(id) FROM release_search), 0) + 1);
    bucket := release_search_bucket(greatest(below, 1) - 1);
    -- `+ 0`: no index serves the order or the bound, so the words' index finds the rows.
    IF bucket = 0 THEN
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
