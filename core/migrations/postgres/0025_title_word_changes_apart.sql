-- A new title word forgets only the title words each instance keeps, not its users, groups
-- and catalogues (core/src/store/kept.rs): its notification on the users' channel says so
-- in its payload. Registrations bring new words all day; the rest changes rarely.
CREATE OR REPLACE FUNCTION notify_title_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added) THEN
        PERFORM pg_notify('releasedesk_users', 'title_words');
    END IF;
    RETURN NULL;
END
$$;
