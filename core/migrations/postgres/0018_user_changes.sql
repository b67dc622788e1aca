-- Each server instance keeps its users (with their groups and permissions) between
-- requests (core/src/store/user_cache.rs). A change to any of these tables tells every
-- instance, on commit, to read its users afresh.
CREATE FUNCTION notify_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('releasedesk_users', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();

CREATE TRIGGER user_groups_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_groups
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();

CREATE TRIGGER group_members_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();

CREATE TRIGGER group_permissions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON group_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_users_changed();
