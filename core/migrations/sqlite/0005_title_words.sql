-- Every word of the release titles, once. An FTS5 prefix query ("migr"*) first merges the
-- list of every term under the prefix into one buffer, however few matches the page needs;
-- whole terms are read lazily. The list's search turns each typed prefix into the title
-- words that start with it, found here by an index range scan.
CREATE TABLE release_title_words (word TEXT PRIMARY KEY) WITHOUT ROWID;

-- The terms of the full-text index, as FTS5 tokenized them: the source of the words for
-- titles written in bulk. Reading it scans the index, so searches never do.
CREATE VIRTUAL TABLE release_search_terms USING fts5vocab(release_search, 'row');

INSERT INTO release_title_words (word) SELECT term FROM release_search_terms;
