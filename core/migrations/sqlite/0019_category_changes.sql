-- Each server instance keeps the solution categories offered between requests
-- (core/src/store/kept.rs, first named user_cache.rs), with its users: a change to one is
-- counted in `user_changes`, which every instance reads with its live updates.

CREATE TRIGGER solution_categories_insert_counted AFTER INSERT ON solution_categories
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER solution_categories_update_counted AFTER UPDATE ON solution_categories
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;

CREATE TRIGGER solution_categories_delete_counted AFTER DELETE ON solution_categories
BEGIN
    UPDATE user_changes SET changes = changes + 1;
END;
