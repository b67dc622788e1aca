-- The list pages by release number (keyset: "after #n"), also within a status.
CREATE INDEX releases_by_status_number ON releases (status, id);

-- Full-text search of release titles (search_text: folded, lower case without accents),
-- kept by triggers. FTS5 yields its matches in release-number order, so the newest come
-- first without sorting every match. Releases are never deleted (the log refers to them).
CREATE VIRTUAL TABLE release_search USING fts5(
    search_text, content = 'releases', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER release_search_insert AFTER INSERT ON releases
BEGIN
    INSERT INTO release_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER release_search_update AFTER UPDATE OF search_text ON releases
BEGIN
    INSERT INTO release_search (release_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO release_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
INSERT INTO release_search (release_search) VALUES ('rebuild');
