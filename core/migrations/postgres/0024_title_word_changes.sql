-- Each server instance keeps the title words each typed word of a search stands for
-- (core/src/store/kept.rs), on the users' channel: a word no title held before may extend
-- what a typed word stands for, so its arrival tells every instance, on commit, to read them
-- afresh. Most registrations bring no new word; only a statement that added one tells.
CREATE FUNCTION notify_title_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added) THEN
        PERFORM pg_notify('releasedesk_users', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER release_title_words_added AFTER INSERT ON release_title_words
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION notify_title_words_added();
