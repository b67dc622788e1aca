-- Each server instance keeps the solution categories offered between requests
-- (core/src/store/kept.rs, first named user_cache.rs), on the users' channel: a change to
-- one tells every instance, on commit, to read them afresh.
CREATE TRIGGER solution_categories_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON solution_categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();
