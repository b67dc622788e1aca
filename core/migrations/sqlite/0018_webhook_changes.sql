-- Each server instance keeps the active webhooks' events between appends to the execution
-- log (core/src/store/user_cache.rs), with its users: a change to a webhook or its events
-- is counted in `user_changes`, which every instance reads with its live updates.

CREATE TRIGGER webhooks_insert_counted AFTER INSERT ON webhooks
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER webhooks_update_counted AFTER UPDATE ON webhooks
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER webhooks_delete_counted AFTER DELETE ON webhooks
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER webhook_events_insert_counted AFTER INSERT ON webhook_events
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER webhook_events_update_counted AFTER UPDATE ON webhook_events
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER webhook_events_delete_counted AFTER DELETE ON webhook_events
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;
