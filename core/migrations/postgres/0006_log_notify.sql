-- Every log entry tells every server instance once its transaction commits (never if it
-- rolls back), as a live event: `{"release", "user", "kind"}` on `releasedesk_log`
-- (`live::CHANNEL`). A trigger, so the action's writer does not spend a statement on it.
CREATE FUNCTION notify_log_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('releasedesk_log',
                      json_build_object('release', NEW.release_id, 'user', NEW.user_id, 'kind', NEW.kind)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER execution_log_notify AFTER INSERT ON execution_log
    FOR EACH ROW EXECUTE FUNCTION notify_log_entry();
