-- Every batch of new notifications tells every server instance, once its transaction
-- commits (never if it rolls back), whom it concerns, on `releasedesk_notified`
-- (`live::NOTIFIED_CHANNEL`): their ids separated by commas, so that only those users'
-- open pages count their bells again. '*' when the ids would not fit in a notification
-- (PostgreSQL refuses payloads of 8,000 bytes or more): every open bell counts again.
-- One per statement, after the log entry's own notification (`0006_log_notify.sql`).
CREATE FUNCTION notify_notified() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    users text;
BEGIN
    SELECT string_agg(DISTINCT user_id::text, ',') INTO users FROM added;
    IF users IS NOT NULL THEN
        PERFORM pg_notify('releasedesk_notified', CASE WHEN length(users) > 7000 THEN '*' ELSE users END);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER notifications_notified AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION notify_notified();
