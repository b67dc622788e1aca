-- Administration (users, groups, permissions), kept in step with
-- migrations/postgres/0008_administration.sql.

-- A user who left is deactivated, never deleted: the log keeps their name. A temporary
-- password (set by an administrator) must be changed at the next login.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

-- The permission `administer` ("Administrar"). SQLite cannot change a CHECK constraint in
-- place: the table is made again with it.
CREATE TABLE group_permissions_new (
    group_id   BIGINT NOT NULL REFERENCES user_groups (id),
    permission TEXT   NOT NULL CHECK (permission IN
        ('create', 'execute', 'delegate', 'suspend', 'reactivate', 'reopen', 'cancel', 'administer')),
    PRIMARY KEY (group_id, permission)
);
INSERT INTO group_permissions_new (group_id, permission) SELECT group_id, permission FROM group_permissions;
DROP TABLE group_permissions;
ALTER TABLE group_permissions_new RENAME TO group_permissions;

-- Every change made through the administration: who, when, and what (a serde-tagged
-- `AdminChange` with the record before and after). Only ever appended.
CREATE TABLE admin_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at BIGINT  NOT NULL,
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    kind        TEXT    NOT NULL,
    change      TEXT    NOT NULL
);
CREATE INDEX admin_log_by_time ON admin_log (occurred_at);
