-- A new title word forgets only the title words each instance keeps, not its users, groups
-- and catalogues (core/src/store/kept.rs): it is counted in a column of its own.
-- Registrations bring new words all day; the rest changes rarely.
ALTER TABLE user_changes ADD COLUMN title_words INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER release_title_words_counted;
CREATE TRIGGER release_title_words_counted AFTER INSERT ON release_title_words
BEGIN
    UPDATE user_changes SET title_words = title_words + 1;
END;
