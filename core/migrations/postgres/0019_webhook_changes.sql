-- Each server instance keeps the active webhooks' events between appends to the execution
-- log (core/src/store/user_cache.rs), on the users' channel: a change to a webhook or its
-- events tells every instance, on commit, to read them afresh.
CREATE TRIGGER webhooks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhooks
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();

CREATE TRIGGER webhook_events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhook_events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();
