-- Each server instance keeps its users (with their groups and permissions) between
-- requests (core/src/store/user_cache.rs). A change to any of these tables counts the
-- changes here, and every instance reads the count with its live updates: one made by
-- another process counts there within a quarter of a second.
CREATE TABLE user_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    changes INTEGER NOT NULL
);
INSERT INTO user_changes (id, changes) VALUES (1, 0);

CREATE TRIGGER users_insert_counted AFTER INSERT ON users
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER users_update_counted AFTER UPDATE ON users
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER users_delete_counted AFTER DELETE ON users
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER user_groups_insert_counted AFTER INSERT ON user_groups
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER user_groups_update_counted AFTER UPDATE ON user_groups
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER user_groups_delete_counted AFTER DELETE ON user_groups
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER group_members_insert_counted AFTER INSERT ON group_members
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER group_members_update_counted AFTER UPDATE ON group_members
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER group_members_delete_counted AFTER DELETE ON group_members
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER group_permissions_insert_counted AFTER INSERT ON group_permissions
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER group_permissions_update_counted AFTER UPDATE ON group_permissions
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER group_permissions_delete_counted AFTER DELETE ON group_permissions
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;
