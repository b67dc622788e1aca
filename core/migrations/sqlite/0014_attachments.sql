-- Attachments ("Adjuntos" / "Anexos"), kept in step with migrations/postgres/0015_attachments.sql.
-- A file attached to a release, or to one of its manual occurrences (log_entry_id). Its bytes
-- are in `content`, or, when the server runs with ATTACHMENTS_DIR, in that directory under
-- their SHA-256 (`content` NULL). media_type is detected from the content, never the name.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id   BIGINT  NOT NULL REFERENCES releases (id),
    log_entry_id BIGINT  REFERENCES execution_log (id),
    name         TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB,
    uploaded_by  BIGINT  NOT NULL REFERENCES users (id),
    uploaded_at  BIGINT  NOT NULL
);
CREATE INDEX attachments_release ON attachments (release_id, id);
-- Whether a file of the directory is still named by a row, when one is removed.
CREATE INDEX attachments_sha256 ON attachments (sha256);
