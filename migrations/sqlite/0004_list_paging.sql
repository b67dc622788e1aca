-- The list pages by release number (keyset: "after #n"), also within a status.
CREATE INDEX releases_by_status_number ON releases (status, id);

-- One-off jobs the server runs on start, in Rust, then deletes.
CREATE TABLE pending_jobs (name TEXT PRIMARY KEY);
-- Release titles join the word-prefix search (search_terms, kind 'release').
INSERT INTO pending_jobs (name) VALUES ('index_release_titles');
