-- Each server instance keeps the title words each typed word of a search stands for
-- (core/src/store/kept.rs): a word no title held before may extend what a typed word stands
-- for, so its arrival is counted in `user_changes`, which every instance reads with its live
-- updates. A word already known inserts nothing and counts nothing.
CREATE TRIGGER release_title_words_counted AFTER INSERT ON release_title_words
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;
